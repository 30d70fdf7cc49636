"""The audit ledger's tables: entries, stored subtree hashes, the tree head, checkpoints.

Rows are written once by :func:`madoguchi.ledger.services.append` and never changed;
the model refuses saves of existing rows and deletes so that no code path edits history.
(Someone with database access still can: that is what signed checkpoints detect.)
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from madoguchi.ledger import canonical


class AppendOnly(Exception):
    """Ledger rows are never updated or deleted."""


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly(f"{type(self).__name__} rows are append-only")


class LedgerEntry(AppendOnlyModel):
    """One security event. Pseudonyms, codes and hashes only: never personal data."""

    index = models.BigIntegerField(unique=True)
    event = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    actor = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    detail = models.JSONField(default=dict)
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["index"]
        verbose_name_plural = "ledger entries"
        # Serves both "every event about these subjects" and "this event about a subject".
        indexes = [models.Index(fields=["subject", "event"], name="ledger_subject_event")]
        constraints = [
            models.CheckConstraint(condition=models.Q(index__gte=0), name="ledger_index_gte_0")
        ]

    def __str__(self) -> str:
        return f"#{self.index} {self.event}"

    def fields(self) -> dict[str, Any]:
        return canonical.entry_fields(
            index=self.index,
            event=self.event,
            time=canonical.format_time(self.recorded_at),
            actor=self.actor,
            subject=self.subject,
            detail=self.detail,
        )

    def entry_bytes(self) -> bytes:
        """The exact bytes hashed as this entry's leaf (RFC 8785 canonical JSON)."""
        return canonical.entry_bytes(self.fields())

    def as_export(self) -> dict[str, Any]:
        """JSON-able: the six hashed fields plus the leaf hash recorded at append time."""
        return {**self.fields(), "leaf_hash": self.leaf_hash}


class LedgerNode(AppendOnlyModel):
    """The hash of the perfect subtree of 2**level leaves starting at ``start`` (level >= 1).

    Written when the subtree completes, so every hash a proof needs is O(log n) lookups.
    Level 0 is the entry's own leaf_hash.
    """

    level = models.PositiveSmallIntegerField()
    start = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "start"], name="ledger_node_level_start")
        ]

    def __str__(self) -> str:
        return f"[{self.start}, {self.start + (1 << self.level)})"


class LedgerHead(models.Model):
    """The single row every append locks: tree size, root and right-edge subtree hashes."""

    SINGLETON = 1

    size = models.BigIntegerField(default=0)
    root = models.CharField(max_length=64)
    # Hex hashes of the perfect subtrees along the right edge, largest first (one per set
    # bit of size), so that an append computes the new root in O(log n).
    frontier = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"size {self.size}"


class Checkpoint(models.Model):
    """A signed tree head in the C2SP tlog-checkpoint format; one per tree size."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    note = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-tree_size"]
        get_latest_by = "tree_size"

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size}"
