"""Appending keeps the stored tree equal to RFC 9162's, with no gaps and no forks."""

from __future__ import annotations

import os
import stat
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from madoguchi.core import events
from madoguchi.ledger import checkpoint, merkle, notes, selectors, services
from madoguchi.ledger.models import AppendOnly, Checkpoint, LedgerEntry, LedgerHead, LedgerNode
from madoguchi.ledger.tests import naive

pytestmark = pytest.mark.django_db


def append_some(count: int, subject: str = "submission:abc") -> list[LedgerEntry]:
    return [
        services.append(
            "submission.viewed",
            actor=f"staff:{number % 3}",
            subject=subject,
            detail={"department": "kokuho", "n": str(number)},
        )
        for number in range(count)
    ]


def stored_bytes() -> list[bytes]:
    return [entry.entry_bytes() for entry in LedgerEntry.objects.order_by("index")]


def test_appends_take_contiguous_indices_and_the_head_is_the_rfc_root() -> None:
    entries = append_some(37)

    assert [entry.index for entry in entries] == list(range(37))
    head = selectors.current_head()
    assert head.size == 37
    assert head.root == naive.mth(stored_bytes())


def test_an_entry_hashes_its_canonical_json_without_personal_fields() -> None:
    moment = timezone.now()

    entry = services.append(
        "submission.submitted",
        actor="person:1",
        subject="submission:x",
        detail={"b": "2", "a": "1"},
    )

    assert entry.entry_bytes() == (
        b'{"actor":"person:1","detail":{"a":"1","b":"2"},"event":"submission.submitted",'
        b'"index":0,"subject":"submission:x","time":"'
        + entry.recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode()
        + b'"}'
    )
    assert entry.leaf_hash == merkle.leaf_hash(entry.entry_bytes()).hex()
    assert entry.recorded_at - moment < timedelta(seconds=5)
    assert set(entry.as_export()) == {
        "index", "event", "time", "actor", "subject", "detail", "leaf_hash"
    }  # fmt: skip


def test_the_entry_bytes_survive_a_round_trip_through_the_database() -> None:
    appended = append_some(3)

    reloaded = list(LedgerEntry.objects.order_by("index"))

    assert [e.entry_bytes() for e in reloaded] == [e.entry_bytes() for e in appended]
    assert all(merkle.leaf_hash(e.entry_bytes()).hex() == e.leaf_hash for e in reloaded)


def test_every_completed_perfect_subtree_is_stored_with_its_rfc_hash() -> None:
    append_some(21)
    data = stored_bytes()

    nodes = {(n.level, n.start): n.hash for n in LedgerNode.objects.all()}

    assert set(nodes) == {
        (level, start)
        for level in range(1, 5)
        for start in range(0, 21, 1 << level)
        if start + (1 << level) <= 21
    }
    for (level, start), value in nodes.items():
        assert value == naive.mth(data[start : start + (1 << level)]).hex()


def test_a_rolled_back_caller_takes_its_entry_along_leaving_no_gap() -> None:
    append_some(2)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.append("submission.submitted", actor="a", subject="s", detail={})
        raise RuntimeError("the submission failed after its event")
    after = services.append("submission.submitted", actor="a", subject="s", detail={})

    assert after.index == 2
    assert selectors.current_head().size == 3
    assert selectors.current_head().root == naive.mth(stored_bytes())


def test_recorded_events_reach_the_ledger_with_their_string_value() -> None:
    events.record(
        events.Event.STATUS_CHANGED,
        actor="staff:7",
        subject=events.submission_subject("p-1"),
        detail={"to": "approved"},
    )

    entry = selectors.entry_for(events.submission_subject("p-1"), "submission.status_changed")
    assert entry is not None
    assert (entry.event, entry.actor, entry.detail) == (
        "submission.status_changed",
        "staff:7",
        {"to": "approved"},
    )


def test_entries_about_subjects_filter_by_event_in_order() -> None:
    append_some(2, subject="submission:one")
    services.append("submission.submitted", actor="p", subject="submission:two", detail={})
    services.append("submission.exported", actor="s", subject="submission:one", detail={})

    about = selectors.entries_about(["submission:one", "submission:two"])
    exported = selectors.entries_about(["submission:one"], ["submission.exported"])

    assert [e.index for e in about] == [0, 1, 2, 3]
    assert [e.index for e in exported] == [3]
    assert selectors.entry_for("submission:none", "submission.submitted") is None


def test_ledger_rows_refuse_to_be_edited_or_deleted_through_the_orm() -> None:
    entry = append_some(1)[0]
    entry.detail = {"changed": "yes"}

    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()


def test_stored_proofs_equal_the_rfc_proofs_of_the_entries() -> None:
    append_some(45)
    data = stored_bytes()

    for tree_size in (1, 2, 7, 8, 9, 31, 32, 33, 45):
        root = naive.mth(data[:tree_size])
        assert selectors.root_at(tree_size) == root
        for index in {0, tree_size // 2, tree_size - 1}:
            proof = selectors.inclusion_proof(index, tree_size)
            assert proof == naive.path(index, data[:tree_size])
            assert merkle.verify_inclusion(
                index, tree_size, merkle.leaf_hash(data[index]), proof, root
            )
        for first in {1, tree_size // 2 or 1, tree_size}:
            assert selectors.consistency_proof(first, tree_size) == naive.proof(
                first, data[:tree_size]
            )


def test_proofs_beyond_the_tree_are_unavailable() -> None:
    append_some(4)

    with pytest.raises(selectors.ProofUnavailable):
        selectors.inclusion_proof(1, 5)
    with pytest.raises(ValueError):
        selectors.inclusion_proof(4, 4)
    with pytest.raises(selectors.ProofUnavailable):
        selectors.consistency_proof(2, 9)


def test_a_checkpoint_is_signed_once_per_size_and_verifies_with_the_public_key() -> None:
    append_some(5)

    first = services.sign_checkpoint()
    again = services.sign_checkpoint()

    assert first.pk == again.pk
    assert Checkpoint.objects.count() == 1
    body = notes.open_checkpoint(first.note, notes.parse_verifier_key(checkpoint.public_key_text()))
    assert (body.tree_size, body.root_hash) == (5, naive.mth(stored_bytes()))
    assert body.origin == "127.0.0.1:8000/ledger"


def test_checkpoint_covering_reuses_a_covering_checkpoint_and_signs_when_needed() -> None:
    append_some(3)
    early = services.checkpoint_covering(2)
    append_some(2)

    assert services.checkpoint_covering(1).pk == early.pk
    later = services.checkpoint_covering(4)
    assert later.tree_size == 5
    with pytest.raises(selectors.ProofUnavailable):
        services.checkpoint_covering(5)


@override_settings(MADOGUCHI_LEDGER_CHECKPOINT_SECONDS=60)
def test_the_public_checkpoint_is_refreshed_only_when_stale_and_grown() -> None:
    append_some(2)
    first = services.fresh_checkpoint()
    append_some(1)

    assert services.fresh_checkpoint().pk == first.pk  # grown but fresh
    Checkpoint.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(seconds=61))
    refreshed = services.fresh_checkpoint()
    assert refreshed.tree_size == 3
    assert services.fresh_checkpoint().pk == refreshed.pk


def test_a_missing_head_row_is_recreated_on_the_next_append() -> None:
    LedgerHead.objects.all().delete()

    entry = services.append("config.changed", actor="staff:1", subject="config", detail={})

    assert entry.index == 0
    assert selectors.current_head().size == 1


def test_the_development_key_is_created_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "ledger.pem"
    with override_settings(MADOGUCHI_LEDGER_KEY_FILE=path, MADOGUCHI_LEDGER_GENERATE_KEY=True):
        first = checkpoint.public_key_text()
        second = checkpoint.public_key_text()

    assert first == second
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"BEGIN PRIVATE KEY" in path.read_bytes()


def test_production_refuses_to_sign_without_a_provisioned_key(tmp_path: Path) -> None:
    with (
        override_settings(
            MADOGUCHI_LEDGER_KEY_FILE=tmp_path / "absent.pem", MADOGUCHI_LEDGER_GENERATE_KEY=False
        ),
        pytest.raises(ImproperlyConfigured, match="MADOGUCHI_LEDGER_KEY_FILE"),
    ):
        services.sign_checkpoint()
    assert not (tmp_path / "absent.pem").exists()


@override_settings(MADOGUCHI_LEDGER_ORIGIN="", MADOGUCHI_SITE_URL="https://shinsei.city.kaga.lg.jp")
def test_the_origin_defaults_to_the_site_host() -> None:
    assert checkpoint.origin() == "shinsei.city.kaga.lg.jp/ledger"
    assert checkpoint.public_key_text().startswith("shinsei.city.kaga.lg.jp/ledger+")


def test_the_deploy_check_names_a_missing_signing_key(tmp_path: Path) -> None:
    from madoguchi.ledger.checks import signing_key_present

    with override_settings(
        MADOGUCHI_LEDGER_KEY_FILE=tmp_path / "absent.pem", MADOGUCHI_LEDGER_GENERATE_KEY=False
    ):
        assert [error.id for error in signing_key_present()] == ["ledger.E001"]
    assert signing_key_present() == []
