"""領収書番号: ``R-<lg code>-<year>-<sequence>``, unique and gap-free per municipality and year."""

from __future__ import annotations

from django.db import connection

from .models import ReceiptCounter


def next_receipt_serial(municipality_id: int, lg_code: str, year: int) -> str:
    """Issue the next number in the caller's transaction (as mail-in references are): one
    upsert creates or increments the counter and holds its row until commit, so two
    payments paid at once get consecutive numbers and a rolled-back one leaves no gap."""
    table = ReceiptCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (municipality_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (municipality_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [municipality_id, year],
        )
        (sequence,) = cursor.fetchone()
    return f"R-{lg_code}-{year}-{sequence:06d}"
