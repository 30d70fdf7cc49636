"""Tests for :mod:`madoguchi.jp`."""
