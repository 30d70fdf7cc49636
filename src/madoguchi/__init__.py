"""Madoguchi (窓口): an open-source e-application platform for Japanese municipalities."""

__version__ = "0.1.0"
