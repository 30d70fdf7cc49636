"""Back-office data: the inbox's search terms (exports moved to madoguchi.exports)."""

from __future__ import annotations

from django.db import models

from madoguchi.submissions.models import Submission


class SearchTerm(models.Model):
    """One way a clerk may look a submission up: a normalised name, reading or receipt ending.

    The inbox searches these by prefix, which a B-tree index answers on every database
    (``varchar_pattern_ops`` makes ``LIKE 'x%'`` use it on PostgreSQL whatever the
    collation), instead of a ``contains`` scan over every submission. Kept up to date by
    :mod:`madoguchi.backoffice.search` whenever a submission is saved.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=210)

    class Meta:
        indexes = [
            models.Index(
                fields=["term"], name="search_term_prefix", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"search term of submission {self.submission_id}"
