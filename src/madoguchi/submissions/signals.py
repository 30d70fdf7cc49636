"""A deleted attachment takes its stored file with it, once the deletion is committed.

A receiver rather than a service, so that every way a row goes (a replaced upload, a
draft deleted with its attachments by cascade, the purge, the demo reset) frees the disk;
on commit, so a rolled-back deletion still finds its file.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Attachment


@receiver(post_delete, sender=Attachment, dispatch_uid="submissions.attachment_file")
def delete_stored_file(sender: type[Attachment], instance: Attachment, **kwargs: Any) -> None:
    name = instance.file.name
    if not name:
        return
    storage = instance.file.storage
    transaction.on_commit(lambda: storage.delete(name))
