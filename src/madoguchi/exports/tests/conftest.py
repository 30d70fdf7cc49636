"""Export pages are staff pages: the back office's two-factor login fixture serves them too."""

from madoguchi.backoffice.tests.conftest import code_for, log_in

__all__ = ["code_for", "log_in"]
