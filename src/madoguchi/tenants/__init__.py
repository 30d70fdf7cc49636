"""Municipalities (全国地方公共団体コード), departments and staff roles."""
