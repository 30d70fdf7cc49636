"""The ledger's public API: checkpoints and proofs (see docs/trust.md)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["ledger"])
