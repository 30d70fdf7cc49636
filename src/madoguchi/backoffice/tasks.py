"""Background work of the back office, through the Django tasks API (django-tasks backport).

In development ``madoguchi serve`` starts the database-backed worker beside the web
server; in production run ``madoguchi db_worker`` as its own service. Tests run tasks
immediately (settings.test).
"""

from __future__ import annotations

from django_tasks import task


@task()
def run_export_job(job_id: int) -> None:
    """Write a large export's file; the job page shows its progress meanwhile."""
    from . import export_services  # it enqueues this task

    export_services.run_export(job_id)


@task()
def purge_expired_exports() -> int:
    """Delete export files past their expiry (also done before every export runs)."""
    from . import export_services

    return export_services.purge_expired_exports()
