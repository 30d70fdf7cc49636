"""Settings of the internet node that the two-node test starts in a subprocess.

The test settings, with everything that must last across the node's processes (migrate,
shell, the server) under its own MADOGUCHI_VAR_DIR, and the emails to residents printed on
the server's output (the test reads the status link there, as a resident reads the email).
"""

from madoguchi.settings.test import *  # noqa: F403
from madoguchi.settings.test import VAR_DIR

SECRET_KEY = "internet-node-test-key-not-the-lgwan-nodes-0123456789"  # noqa: S105
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
MEDIA_ROOT = VAR_DIR / "media"
MADOGUCHI_LEDGER_KEY_FILE = VAR_DIR / "keys" / "ledger.pem"
MADOGUCHI_KEYS_DIR = VAR_DIR / "keys"
