"""Background work of reservations, through the Django tasks API (see exports.tasks)."""

from __future__ import annotations

from django_tasks import task

from . import notify


@task()
def send_reminders() -> int:
    """The day-before reminders (idempotent: notify.send_reminders)."""
    return notify.send_reminders()
