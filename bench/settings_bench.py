"""Benchmark settings: production settings, with the per-address rate limits raised.

The load generator sends every request from 127.0.0.1, so the production limit of
``api_submit`` (120 per minute and address) would answer 429 to almost all of them.
Everything else is production: DEBUG off, PostgreSQL required, the same middleware.

Used only by ``bench/run.py`` and ``bench/fault_test.py`` (``make bench``), which set the
environment (DATABASE_URL, secret key, hosts) before gunicorn imports this module.
"""

import os

from madoguchi.settings.production import *  # noqa: F403
from madoguchi.settings.production import MADOGUCHI_RATE_LIMITS

MADOGUCHI_RATE_LIMITS = {scope: 10**9 for scope in MADOGUCHI_RATE_LIMITS}
# Plain HTTP on loopback: no TLS terminator in front of the benchmark.
SECURE_SSL_REDIRECT = False
# The benchmark's scratch database gets a throwaway checkpoint key (production: provisioned).
MADOGUCHI_LEDGER_GENERATE_KEY = True
# No receipt PDFs are sealed on the submission path; allow the test seal so checks pass.
MADOGUCHI_TEST_SEAL_ALLOWED = True
# Access logs would measure the terminal, not the application.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": os.environ.get("MADOGUCHI_BENCH_LOG_LEVEL", "WARNING")},
}
# No TLS on loopback: secure-only cookies (and the __Host- prefix, which requires Secure)
# would never come back over http://127.0.0.1, and the resident walk needs its session.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "madoguchi-session"
CSRF_COOKIE_NAME = "madoguchi-csrf"
