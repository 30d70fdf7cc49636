"""Export columns of a paper application: its channel and its date of arrival (到達日)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from madoguchi.exports.columns import Column, RowBuilder
from madoguchi.forms.schema import FormSchema
from madoguchi.testing.factories import SIMPLE_SCHEMA

COLUMNS = [Column("channel", "受付方法"), Column("received_on", "到達日")]
SCHEMA = FormSchema.model_validate(SIMPLE_SCHEMA)
RECEIVED = datetime(2026, 4, 2, 10, 0, tzinfo=timezone.get_fixed_timezone(540))


def values(channel: str, received_on: date | None) -> tuple[object, ...]:
    return (1, "172065-2026-000001", RECEIVED, "received", channel, "none", 1, received_on)


def test_a_paper_by_post_exports_its_channel_and_date_of_arrival_in_either_date_style() -> None:
    iso = RowBuilder(COLUMNS, schema_for=lambda _pk: SCHEMA)
    wareki = RowBuilder(COLUMNS, schema_for=lambda _pk: SCHEMA, date_style="wareki")
    typed = RowBuilder(COLUMNS, schema_for=lambda _pk: SCHEMA, typed=True)
    row = values("mail", date(2026, 4, 1))
    assert iso.cells(row)[1] == "2026-04-01"
    assert wareki.cells(row)[1].startswith("令和8年")
    assert typed.cells(row)[1] == date(2026, 4, 1)
    assert iso.cells(row)[0] != iso.cells(values("online", None))[0]


def test_an_online_application_has_no_date_of_arrival_column_value() -> None:
    for builder in (
        RowBuilder(COLUMNS, schema_for=lambda _pk: SCHEMA),
        RowBuilder(COLUMNS, schema_for=lambda _pk: SCHEMA, typed=True),
    ):
        assert builder.cells(values("online", None))[1] == ""
