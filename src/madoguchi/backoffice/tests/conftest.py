"""The back office's tests log staff in with the shared helper (madoguchi.testing.staff)."""
