"""Background work of the integrations app, through the Django tasks API (see exports.tasks)."""

from __future__ import annotations

from django_tasks import task

from . import webhooks


@task()
def deliver_due_task() -> int:
    """Send the webhook deliveries that are due (enqueued after each commit that made some)."""
    return webhooks.deliver_due()
