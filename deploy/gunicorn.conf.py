"""gunicorn settings for Madoguchi (and, in `make bench`, the Wagtail baseline).

Sync workers: each request runs in its own process with its own database connection, so
a worker killed mid-request loses only that request's open transaction (rolled back by
PostgreSQL), never an acknowledged one. Tune with the environment:

    GUNICORN_BIND=127.0.0.1:8001 GUNICORN_WORKERS=4 gunicorn -c deploy/gunicorn.conf.py madoguchi.wsgi
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Requests wait on PostgreSQL (commit, fsync) part of the time: 2 per core is a good start.
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * multiprocessing.cpu_count())))
worker_class = "sync"
# A request that takes this long is stuck: the master kills the worker and starts another.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
# Listen queue: absorbs bursts while every worker is busy.
backlog = 2048
# Access logs belong to nginx; error log to stderr (journald / container log).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# nginx on the same host sets X-Forwarded-Proto; trust it only from loopback.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
