"""The public checkpoint, key and proof endpoints."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from madoguchi.ledger import checkpoint, merkle, notes, services
from madoguchi.ledger.models import LedgerEntry
from madoguchi.ledger.tests import naive

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger() -> list[bytes]:
    for number in range(13):
        services.append("resident.login", actor=f"person:{number}", subject="m:172065", detail={})
    return [entry.entry_bytes() for entry in LedgerEntry.objects.order_by("index")]


def test_the_checkpoint_url_serves_a_signed_note_as_plain_text(
    client: Client, ledger: list[bytes]
) -> None:
    response = client.get("/ledger/checkpoint")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    key = notes.parse_verifier_key(client.get("/ledger/public-key").content.decode())
    body = notes.open_checkpoint(response.content.decode(), key)
    assert (body.tree_size, body.root_hash) == (13, naive.mth(ledger))


def test_the_api_checkpoint_includes_the_note_and_key(client: Client, ledger: list[bytes]) -> None:
    data = client.get("/api/v1/ledger/checkpoint").json()

    assert data["tree_size"] == 13
    assert data["root_hash"] == naive.mth(ledger).hex()
    assert data["public_key"] == checkpoint.public_key_text()
    assert data["note"].startswith(f"{checkpoint.origin()}\n13\n")


def test_an_inclusion_proof_leads_to_the_covering_checkpoint(
    client: Client, ledger: list[bytes]
) -> None:
    data = client.get("/api/v1/ledger/proof/inclusion", {"index": 6}).json()

    key = notes.parse_verifier_key(checkpoint.public_key_text())
    body = notes.open_checkpoint(data["checkpoint"], key)
    proof = [bytes.fromhex(h) for h in data["proof"]]
    assert data["leaf_hash"] == merkle.leaf_hash(ledger[6]).hex()
    assert proof == naive.path(6, ledger[: body.tree_size])
    assert merkle.verify_inclusion(
        6, body.tree_size, merkle.leaf_hash(ledger[6]), proof, body.root_hash
    )
    assert "entry" not in data  # entries stay private: pseudonyms would show activity


def test_an_inclusion_proof_for_a_given_tree_size(client: Client, ledger: list[bytes]) -> None:
    data = client.get("/api/v1/ledger/proof/inclusion", {"index": 2, "tree_size": 5}).json()

    assert [bytes.fromhex(h) for h in data["proof"]] == naive.path(2, ledger[:5])
    assert data["checkpoint"] is None


def test_a_consistency_proof_matches_the_rfc(client: Client, ledger: list[bytes]) -> None:
    data = client.get("/api/v1/ledger/proof/consistency", {"first": 5, "second": 13}).json()

    assert [bytes.fromhex(h) for h in data["proof"]] == naive.proof(5, ledger)


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("/api/v1/ledger/proof/inclusion", {"index": 13}, 404),
        ("/api/v1/ledger/proof/inclusion", {"index": -1}, 422),
        ("/api/v1/ledger/proof/inclusion", {"index": 3, "tree_size": 3}, 422),
        ("/api/v1/ledger/proof/inclusion", {"index": 3, "tree_size": 14}, 404),
        ("/api/v1/ledger/proof/consistency", {"first": 0, "second": 3}, 422),
        ("/api/v1/ledger/proof/consistency", {"first": 4, "second": 3}, 422),
        ("/api/v1/ledger/proof/consistency", {"first": 3, "second": 14}, 404),
    ],
)
def test_out_of_range_requests_get_a_message(
    client: Client, ledger: list[bytes], url: str, params: dict[str, int], status: int
) -> None:
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == status
    assert response.json()["message"]


@override_settings(MADOGUCHI_RATE_LIMITS={"ledger": 2})
def test_the_api_is_rate_limited(client: Client, ledger: list[bytes]) -> None:
    cache.clear()
    statuses = [client.get("/api/v1/ledger/checkpoint").status_code for _ in range(3)]
    cache.clear()

    assert statuses == [200, 200, 429]
