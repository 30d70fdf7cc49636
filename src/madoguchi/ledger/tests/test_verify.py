"""Exports and bundles verify offline; every kind of tampering is detected and named."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.ledger import checkpoint, merkle, notes, selectors, services, verify
from madoguchi.ledger.models import LedgerEntry

SIZE = 20


@pytest.fixture
def signed_ledger(db: None) -> str:
    """20 entries and a checkpoint of them, signed before anyone tampers."""
    for number in range(SIZE):
        services.append(
            "submission.viewed",
            actor=f"staff:{number % 4}",
            subject=f"submission:{number % 5}",
            detail={"department": "shimin", "document": f"{number:064x}"},
        )
    return services.sign_checkpoint().note


def export(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "ledger.json"
    call_command("ledger", "export", str(path), stderr=io.StringIO())
    return verify.load_export(path)


def check(data: dict[str, Any], **options: Any) -> verify.LedgerReport:
    return verify.verify_export(data, checkpoint.public_key_text(), **options)


def execute(sql: str, params: list[Any]) -> None:
    """Tamper the way someone with database access would: below the ORM's guards."""
    table = LedgerEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def test_an_untouched_export_verifies(signed_ledger: str, tmp_path: Path) -> None:
    report = check(export(tmp_path))

    assert report.ok, report.problems
    assert report.entries == report.tree_size == SIZE
    assert report.summary() == (
        f"OK: {SIZE} entries, root {selectors.current_head().root.hex()}, "
        f"checkpoint signed by {checkpoint.key_name()}"
    )


def test_an_edited_entry_is_named(signed_ledger: str, tmp_path: Path) -> None:
    LedgerEntry.objects.filter(index=17).update(detail={"department": "other"})

    report = check(export(tmp_path))

    assert "entry 17: content altered (leaf hash differs)" in report.problems
    assert "root does not match the checkpoint" in report.problems


def test_an_edit_that_also_rewrites_the_leaf_hash_breaks_the_root(
    signed_ledger: str, tmp_path: Path
) -> None:
    data = export(tmp_path)
    data["entries"][3]["actor"] = "staff:forged"
    data["entries"][3]["leaf_hash"] = verify.canonical.entry_leaf_hash(data["entries"][3]).hex()

    assert check(data).problems == ["root does not match the checkpoint"]


def test_a_deleted_row_is_named_as_missing(signed_ledger: str, tmp_path: Path) -> None:
    execute('DELETE FROM {table} WHERE "index" = %s', [17])

    report = check(export(tmp_path))

    assert "entry 17 missing (indices jump from 16 to 18)" in report.problems
    assert not report.ok


def test_deleted_rows_at_the_end_are_named(signed_ledger: str, tmp_path: Path) -> None:
    execute('DELETE FROM {table} WHERE "index" >= %s', [18])

    report = check(export(tmp_path))

    assert "entries 18–19 missing (the export ends at 17)" in report.problems


def test_swapped_rows_are_named_as_out_of_order(signed_ledger: str, tmp_path: Path) -> None:
    execute('UPDATE {table} SET "index" = 999999 WHERE "index" = %s', [5])
    execute('UPDATE {table} SET "index" = 5 WHERE "index" = %s', [6])
    execute('UPDATE {table} SET "index" = 6 WHERE "index" = %s', [999999])

    report = check(export(tmp_path))

    assert "entries out of order at position 5: entry 6 is stored as entry 5" in report.problems
    assert "entries out of order at position 6: entry 5 is stored as entry 6" in report.problems


def test_entries_reordered_in_the_file_are_named(signed_ledger: str, tmp_path: Path) -> None:
    data = export(tmp_path)
    entries = data["entries"]
    entries[5], entries[6] = entries[6], entries[5]

    report = check(data)

    assert report.problems[0] == (
        "entries out of order at position 5 (entry 6 where entry 5 belongs)"
    )
    assert "root does not match the checkpoint" in report.problems


def test_a_duplicated_entry_is_named(signed_ledger: str, tmp_path: Path) -> None:
    data = export(tmp_path)
    data["entries"].insert(9, dict(data["entries"][8]))

    report = check(data)

    assert "entry 8 appears twice (again at position 9)" in report.problems


def test_a_changed_root_in_the_checkpoint_breaks_its_signature(
    signed_ledger: str, tmp_path: Path
) -> None:
    data = export(tmp_path)
    lines = data["checkpoint"].split("\n")
    lines[2] = "A" + lines[2][1:] if lines[2][0] != "A" else "B" + lines[2][1:]
    data["checkpoint"] = "\n".join(lines)

    report = check(data)

    assert "the export's checkpoint: checkpoint signature invalid" in report.problems


def test_a_checkpoint_from_another_key_is_refused(signed_ledger: str, tmp_path: Path) -> None:
    data = export(tmp_path)
    body = notes.split_note(data["checkpoint"])[0]
    data["checkpoint"] = notes.sign_note(body, checkpoint.key_name(), Ed25519PrivateKey.generate())

    report = check(data)

    assert report.problems == [
        f"the export's checkpoint: checkpoint signed by another key ({checkpoint.key_name()}), "
        f"not {checkpoint.key_name()}"
    ]


def test_an_earlier_checkpoint_must_be_a_prefix_of_the_export(
    signed_ledger: str, tmp_path: Path
) -> None:
    services.append("config.changed", actor="staff:1", subject="config", detail={})
    services.sign_checkpoint()
    data = export(tmp_path)

    assert check(data, checkpoint=signed_ledger).ok
    forged = notes.checkpoint_body(checkpoint.origin(), SIZE, b"\x00" * 32)
    other = notes.sign_note(forged, checkpoint.key_name(), checkpoint.private_key())
    assert check(data, checkpoint=other).problems == [
        f"root does not match the given checkpoint (tree size {SIZE})"
    ]


def test_a_truncated_export_cannot_pass_for_an_earlier_published_checkpoint(
    signed_ledger: str, tmp_path: Path
) -> None:
    data = export(tmp_path)
    del data["entries"][15:]

    report = check(data, checkpoint=signed_ledger)

    assert "entries 15–19 missing (the export ends at 14)" in report.problems
    assert f"the given checkpoint covers {SIZE} entries, the export has only 15" in report.problems


def test_a_receipt_bundle_verifies_and_names_what_breaks(signed_ledger: str) -> None:
    entry = LedgerEntry.objects.get(index=11)
    covering = services.checkpoint_covering(11)
    bundle = {
        "entry": entry.as_export(),
        "proof": [h.hex() for h in selectors.inclusion_proof(11, covering.tree_size)],
        "checkpoint": covering.note,
    }
    key = checkpoint.public_key_text()

    verify.verify_inclusion_bundle(json.loads(json.dumps(bundle)), key)

    altered = {**bundle, "entry": {**bundle["entry"], "detail": {"document": "0" * 64}}}
    with pytest.raises(verify.VerificationFailed, match="entry was altered"):
        verify.verify_inclusion_bundle(altered, key)
    recomputed = {**altered, "entry": {**altered["entry"]}}
    del recomputed["entry"]["leaf_hash"]
    with pytest.raises(verify.VerificationFailed, match="does not lead to the signed checkpoint"):
        verify.verify_inclusion_bundle(recomputed, key)
    with pytest.raises(verify.VerificationFailed, match="does not lead"):
        verify.verify_inclusion_bundle({**bundle, "proof": bundle["proof"][:-1]}, key)
    stranger = notes.verifier_key_text(
        checkpoint.key_name(), Ed25519PrivateKey.generate().public_key()
    )
    with pytest.raises(verify.VerificationFailed, match="another key"):
        verify.verify_inclusion_bundle(bundle, stranger)


def test_the_verify_command_needs_no_database(
    signed_ledger: str, tmp_path: Path, django_db_blocker: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "ledger.json"
    call_command("ledger", "export", str(good), stderr=io.StringIO())
    key_file = tmp_path / "ledger.pub"
    key_file.write_text(checkpoint.public_key_text() + "\n")
    tampered = json.loads(good.read_text())
    del tampered["entries"][4]
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered))

    with django_db_blocker.block():
        out = io.StringIO()
        call_command("verify", "ledger", str(good), "--key", str(key_file), stdout=out)
        assert out.getvalue().startswith(f"OK: {SIZE} entries, root ")

        out = io.StringIO()
        with pytest.raises(SystemExit) as exit_info:
            call_command(
                "verify", "ledger", str(bad), "--key", checkpoint.public_key_text(), stdout=out
            )
        assert exit_info.value.code == 1
        assert "entry 4 missing (indices jump from 3 to 5)" in out.getvalue()


def test_consistency_between_two_checkpoints_is_checked_offline(
    signed_ledger: str, tmp_path: Path, django_db_blocker: Any
) -> None:
    services.append("config.changed", actor="staff:1", subject="config", detail={})
    newer = services.sign_checkpoint()
    (tmp_path / "old").write_text(signed_ledger)
    (tmp_path / "new").write_text(newer.note)
    proof = [h.hex() for h in selectors.consistency_proof(SIZE, SIZE + 1)]
    (tmp_path / "proof.json").write_text(json.dumps({"proof": proof}))
    key = checkpoint.public_key_text()

    with django_db_blocker.block():
        out = io.StringIO()
        call_command(
            "verify", "consistency", str(tmp_path / "old"), str(tmp_path / "new"),
            "--proof", str(tmp_path / "proof.json"), "--key", key, stdout=out,
        )  # fmt: skip
        assert (
            out.getvalue().strip()
            == f"OK: the tree of size {SIZE + 1} extends the tree of size {SIZE}"
        )
        (tmp_path / "proof.json").write_text(json.dumps({"proof": proof[1:] + proof[:1]}))
        with pytest.raises(SystemExit):
            call_command(
                "verify", "consistency", str(tmp_path / "old"), str(tmp_path / "new"),
                "--proof", str(tmp_path / "proof.json"), "--key", key, stdout=io.StringIO(),
            )  # fmt: skip


def test_export_upto_uses_the_latest_checkpoint_within_the_limit(
    signed_ledger: str, tmp_path: Path
) -> None:
    services.append("config.changed", actor="staff:1", subject="config", detail={})
    services.sign_checkpoint()
    path = tmp_path / "old.json"

    call_command("ledger", "export", str(path), "--upto", str(SIZE), stderr=io.StringIO())

    data = verify.load_export(path)
    assert data["checkpoint"] == signed_ledger
    assert len(data["entries"]) == SIZE
    assert check(data).ok


def test_an_export_with_no_entries_left_is_named(signed_ledger: str, tmp_path: Path) -> None:
    data = export(tmp_path)
    data["entries"] = []

    report = check(data)

    assert report.problems == [
        f"entries 0–{SIZE - 1} missing (the export has none)",
        "root does not match the checkpoint",
    ]


def test_a_malformed_entry_is_named_by_position(signed_ledger: str, tmp_path: Path) -> None:
    data = export(tmp_path)
    data["entries"][2]["index"] = "two"
    del data["entries"][3]["detail"]

    report = check(data)

    assert "entry at position 2 is malformed (index is not a non-negative integer)" in (
        report.problems
    )
    assert "entry at position 3 is malformed (missing field(s): detail)" in report.problems


OFFLINE_KEY = Ed25519PrivateKey.generate()
OFFLINE_NAME = "test.example.lg.jp/ledger"


def offline_export(size: int) -> dict[str, Any]:
    """An export built without a database, from the pure modules only."""
    entries = []
    for index in range(size):
        entry = verify.canonical.entry_fields(
            index=index,
            event="submission.viewed",
            time=f"2025-06-01T00:00:{index % 60:02d}.000000Z",
            actor=f"staff:{index % 3}",
            subject=f"submission:{index % 4}",
            detail={"department": "shimin"},
        )
        entries.append({**entry, "leaf_hash": verify.canonical.entry_leaf_hash(entry).hex()})
    root = merkle.root_of(bytes.fromhex(entry["leaf_hash"]) for entry in entries)
    note = notes.sign_note(
        notes.checkpoint_body(OFFLINE_NAME, size, root), OFFLINE_NAME, OFFLINE_KEY
    )
    return {
        "format": verify.EXPORT_FORMAT,
        "origin": OFFLINE_NAME,
        "checkpoint": note,
        "entries": entries,
    }


OFFLINE_VKEY = notes.verifier_key_text(OFFLINE_NAME, OFFLINE_KEY.public_key())


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=40),
    operation=st.sampled_from(["delete", "swap", "edit", "duplicate", "reindex"]),
    data=st.data(),
)
def test_any_single_tampering_is_reported_and_never_crashes(
    size: int, operation: str, data: st.DataObject
) -> None:
    export_data = offline_export(size)
    assert verify.verify_export(export_data, OFFLINE_VKEY).ok
    entries = export_data["entries"]
    i = data.draw(st.integers(min_value=0, max_value=size - 1))
    j = data.draw(
        st.integers(min_value=0, max_value=size - 1).filter(lambda x: x != i or size == 1)
    )
    if operation == "delete":
        del entries[i]
    elif operation == "swap":
        if i == j:
            return
        entries[i], entries[j] = entries[j], entries[i]
    elif operation == "edit":
        field = data.draw(st.sampled_from(["event", "time", "actor", "subject"]))
        entries[i][field] += "x"
    elif operation == "duplicate":
        entries.insert(i, dict(entries[i]))
    else:
        entries[i]["index"] = data.draw(
            st.integers(min_value=0, max_value=100).filter(lambda x: x != i)
        )

    report = verify.verify_export(export_data, OFFLINE_VKEY)

    assert not report.ok
    assert report.problems
