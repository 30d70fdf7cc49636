"""Background work of exports, through the Django tasks API (django-tasks backport).

In development ``madoguchi serve`` starts the database-backed worker beside the web
server; in production run ``madoguchi db_worker`` as its own service. Tests run tasks
immediately (settings.test).

This module imports services and never the other way round: :func:`connect` (called by
the app config) tells services how to enqueue a large export.
"""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def run_export_job(job_id: int) -> None:
    """Write a large export's file; the job page shows its progress meanwhile."""
    services.run_export(job_id)


@task()
def purge_expired_exports() -> int:
    """Delete export files past their expiry (also done before every export runs)."""
    return services.purge_expired_exports()


def connect() -> None:
    services.use_background(run_export_job.enqueue)
