from __future__ import annotations

from django.db import models

from madoguchi.submissions.models import Submission


class Receipt(models.Model):
    """The signed PDF receipt of one submission, made once and then served as stored.

    Serving the stored bytes (not re-rendering) means every download is the very file the
    city signed, with the same SHA-256 the ledger recorded when it was issued.
    """

    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="receipt")
    file = models.FileField(upload_to="receipts/%Y/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"receipt {self.submission_id}"
