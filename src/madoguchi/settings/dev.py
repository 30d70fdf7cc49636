"""The embedded default: SQLite, local files, console email, loopback only."""

from .base import *  # noqa: F403
from .base import SECRET_KEY as _SECRET_KEY

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# A fixed key is acceptable only because dev settings refuse anything but loopback.
SECRET_KEY = _SECRET_KEY or "dev-only-insecure-key-never-use-in-production-madoguchi"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MADOGUCHI_ALLOW_DEMO = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The simulators (stand-ins for the national identity service) and the demo data loader:
# development and tests only, refused by production settings.
INSTALLED_APPS = [*INSTALLED_APPS, "madoguchi.simulators.idp", "madoguchi.demo"]  # noqa: F405
MADOGUCHI_DEVIDP_ENABLED = True
# A notice on every page, and a log warning, when the browser's address is not the site URL.
MIDDLEWARE = [*MIDDLEWARE, "madoguchi.core.site_url.SiteUrlCheckMiddleware"]  # noqa: F405
