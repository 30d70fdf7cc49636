"""Factories and helpers shared by the test suites (not used at run time)."""
