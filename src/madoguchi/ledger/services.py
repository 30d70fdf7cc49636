"""Writes to the audit ledger: appending events and signing checkpoints."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from madoguchi.core import events
from madoguchi.ledger import checkpoint, merkle, selectors
from madoguchi.ledger.models import Checkpoint, LedgerEntry, LedgerHead, LedgerNode


def _statements() -> dict[str, str]:
    """The statements of an append, written once from the models' tables and columns."""
    q = connection.ops.quote_name
    entry, node, head = (q(m._meta.db_table) for m in (LedgerEntry, LedgerNode, LedgerHead))
    columns = ", ".join(q(name) for name in _ENTRY_FIELDS)
    placeholders = ", ".join(["%s"] * len(_ENTRY_FIELDS))
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    returning = " RETURNING id" if connection.features.can_return_columns_from_insert else ""
    # Only the models' table and column names are interpolated; every value is a parameter.
    return {
        "lock": f"SELECT size, frontier FROM {head} WHERE id = %s{lock}",  # noqa: S608
        "entry": f"INSERT INTO {entry} ({columns}) VALUES ({placeholders}){returning}",  # noqa: S608
        "node": f"INSERT INTO {node} ({q('level')}, {q('start')}, {q('hash')}) VALUES ",  # noqa: S608
        "head": (
            f"UPDATE {head} SET size = %s, root = %s, frontier = %s, "  # noqa: S608
            "updated_at = %s WHERE id = %s"
        ),
    }


_ENTRY_FIELDS = ("index", "event", "recorded_at", "actor", "subject", "detail", "leaf_hash")
_STATEMENTS: dict[str, dict[str, str]] = {}


def _prep(model: type[models.Model], name: str, value: Any) -> Any:
    """The value as the ORM would send it (JSON encoded, datetimes adapted to the backend)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.get_db_prep_save(value, connection)


def _locked_head(cursor: CursorWrapper, sql: dict[str, str]) -> tuple[int, list[str]]:
    """Size and frontier of the tree head, locked until the caller's transaction ends."""
    cursor.execute(sql["lock"], [LedgerHead.SINGLETON])
    row = cursor.fetchone()
    if row is None:
        # Created on first use. ON CONFLICT DO NOTHING: a concurrent first append may be
        # creating it as well.
        LedgerHead.objects.bulk_create(
            [LedgerHead(pk=LedgerHead.SINGLETON, size=0, root=merkle.EMPTY_ROOT.hex())],
            ignore_conflicts=True,
        )
        cursor.execute(sql["lock"], [LedgerHead.SINGLETON])
        row = cursor.fetchone()
    size, frontier = row
    return size, json.loads(frontier) if isinstance(frontier, str) else frontier


def append(event: str, *, actor: str, subject: str, detail: dict[str, str]) -> LedgerEntry:
    """Append one event to the ledger inside the caller's transaction.

    Every append locks the single head row (``SELECT ... FOR UPDATE``; SQLite's
    ``BEGIN IMMEDIATE`` serialises writers anyway), takes the next index and stores the
    entry, the perfect subtrees it completes and the new head. The unique index makes a
    fork impossible; a caller that rolls back takes its entry with it, so there are no
    gaps. The lock is held until the caller commits: record events late in a transaction.

    Four plain statements rather than the ORM: this is the one serial section of every
    submission, and building the ORM's queries cost more CPU than PostgreSQL spent
    running them (bench/NOTES.md).
    """
    detail = {str(key): str(value) for key, value in (detail or {}).items()}
    sql = _STATEMENTS.get(connection.vendor) or _STATEMENTS.setdefault(
        connection.vendor, _statements()
    )
    # No savepoint: it would cost two round trips while the head row is locked, and a
    # failed append must roll the caller back anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        size, hashes = _locked_head(cursor, sql)
        frontier = merkle.Frontier(size, [bytes.fromhex(h) for h in hashes])
        entry = LedgerEntry(
            index=size,
            event=str(event),
            recorded_at=timezone.now(),
            actor=actor,
            subject=subject,
            detail=detail,
        )
        leaf = merkle.leaf_hash(entry.entry_bytes())
        entry.leaf_hash = leaf.hex()
        completed = frontier.append(leaf)
        cursor.execute(
            sql["entry"],
            [_prep(LedgerEntry, name, getattr(entry, name)) for name in _ENTRY_FIELDS],
        )
        if connection.features.can_return_columns_from_insert:
            (entry.pk,) = cursor.fetchone()
        entry._state.adding = False
        entry._state.db = connection.alias
        if completed:
            cursor.execute(
                sql["node"] + ", ".join(["(%s, %s, %s)"] * len(completed)),
                [value for level, start, h in completed for value in (level, start, h.hex())],
            )
        cursor.execute(
            sql["head"],
            [
                frontier.size,
                frontier.root().hex(),
                _prep(LedgerHead, "frontier", [h.hex() for h in frontier.hashes]),
                _prep(LedgerHead, "updated_at", entry.recorded_at),
                LedgerHead.SINGLETON,
            ],
        )
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
