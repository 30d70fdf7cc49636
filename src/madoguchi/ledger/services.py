"""Writes to the audit ledger: appending events and signing checkpoints."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.core import events
from madoguchi.ledger import checkpoint, merkle, selectors
from madoguchi.ledger.models import Checkpoint, LedgerEntry, LedgerHead, LedgerNode


def _locked_head() -> LedgerHead:
    """The tree head, locked until the caller's transaction ends (created on first use)."""
    head = LedgerHead.objects.select_for_update().filter(pk=LedgerHead.SINGLETON).first()
    if head is None:
        # ON CONFLICT DO NOTHING: a concurrent first append may be creating it as well.
        LedgerHead.objects.bulk_create(
            [LedgerHead(pk=LedgerHead.SINGLETON, size=0, root=merkle.EMPTY_ROOT.hex())],
            ignore_conflicts=True,
        )
        head = LedgerHead.objects.select_for_update().get(pk=LedgerHead.SINGLETON)
    return head


def append(event: str, *, actor: str, subject: str, detail: dict[str, str]) -> LedgerEntry:
    """Append one event to the ledger inside the caller's transaction.

    Every append locks the single head row (``SELECT ... FOR UPDATE``; SQLite's
    ``BEGIN IMMEDIATE`` serialises writers anyway), takes the next index and stores the
    entry, the perfect subtrees it completes and the new head. The unique index makes a
    fork impossible; a caller that rolls back takes its entry with it, so there are no
    gaps. The lock is held until the caller commits: record events late in a transaction.
    """
    detail = {str(key): str(value) for key, value in (detail or {}).items()}
    # No savepoint: it would cost two round trips while the head row is locked (the one
    # serial section of every submission), and a failed append must roll the caller back.
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        frontier = merkle.Frontier(head.size, [bytes.fromhex(h) for h in head.frontier])
        entry = LedgerEntry(
            index=head.size,
            event=str(event),
            recorded_at=timezone.now(),
            actor=actor,
            subject=subject,
            detail=detail,
        )
        leaf = merkle.leaf_hash(entry.entry_bytes())
        entry.leaf_hash = leaf.hex()
        completed = frontier.append(leaf)
        entry.save()
        if completed:
            LedgerNode.objects.bulk_create(
                [LedgerNode(level=lvl, start=start, hash=h.hex()) for lvl, start, h in completed]
            )
        head.size = frontier.size
        head.root = frontier.root().hex()
        head.frontier = [h.hex() for h in frontier.hashes]
        head.updated_at = entry.recorded_at
        head.save(update_fields=["size", "root", "frontier", "updated_at"])
    return entry


def record_event(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
    """The ``core.events`` subscriber: every recorded event becomes a ledger entry."""
    append(getattr(event, "value", str(event)), actor=actor, subject=subject, detail=detail)


def sign_checkpoint() -> Checkpoint:
    """A signed checkpoint of the current tree (the existing one if the size was signed).

    The tree size is unique, so two signers racing on the same size end with one row; the
    tree of a given size has one root, so their notes are identical anyway (Ed25519 is
    deterministic). Call it outside a transaction that appended, or after that commits:
    a checkpoint must only ever cover committed entries.
    """
    head = selectors.current_head()
    existing = selectors.checkpoint_of_size(head.size)
    if existing is not None:
        return existing
    note = checkpoint.sign(head.size, head.root)
    try:
        with transaction.atomic():
            return Checkpoint.objects.create(
                tree_size=head.size, root_hash=head.root.hex(), note=note
            )
    except IntegrityError:
        return Checkpoint.objects.get(tree_size=head.size)


def fresh_checkpoint() -> Checkpoint:
    """The latest checkpoint, first signing a new one when the tree grew and it is stale.

    What the public URL serves: cheap (one read when nothing changed) and bounded (at most
    one signature per ``MADOGUCHI_LEDGER_CHECKPOINT_SECONDS`` however often it is asked).
    """
    latest = selectors.latest_checkpoint()
    if latest is None:
        return sign_checkpoint()
    stale_before = timezone.now() - timedelta(seconds=settings.MADOGUCHI_LEDGER_CHECKPOINT_SECONDS)
    if latest.created_at <= stale_before and selectors.current_head().size > latest.tree_size:
        return sign_checkpoint()
    return latest


def checkpoint_covering(index: int) -> Checkpoint:
    """The latest signed checkpoint whose tree includes entry ``index``.

    Signs a new checkpoint when none covers it yet. Raises selectors.ProofUnavailable when
    the ledger has no entry ``index``.
    """
    latest = selectors.latest_checkpoint()
    if latest is not None and latest.tree_size > index:
        return latest
    signed = sign_checkpoint()
    if signed.tree_size <= index:
        raise selectors.ProofUnavailable(f"the ledger has no entry {index}")
    return signed
