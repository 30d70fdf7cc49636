"""Export pages are staff pages: the shared two-factor login (madoguchi.testing.staff,
the ``log_in`` fixture of the root conftest) serves them too."""
