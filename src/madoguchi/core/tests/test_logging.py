from __future__ import annotations

import logging

import pytest

from madoguchi.core.logging import PersonalDataFilter, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("mail to taro@example.jp failed", "mail to [email] failed"),
        ("call 0761-72-1111 now", "call [phone] now"),
        ("call 09012345678", "call [phone]"),
        ("GET /apply/GhQjC3-Q25XU2_JpgPSeb3buUhLOKug6/step/1/", "GET /apply/[token]/step/1/"),
    ],
)
def test_personal_data_is_redacted_from_log_lines(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_receipt_numbers_and_ids_stay_readable() -> None:
    line = "confirmation email failed for 172065-2026-000001 (submission 1234567)"

    assert redact(line) == line


def test_the_filter_redacts_arguments_as_well_as_the_message() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s", ("taro@example.jp",), None)

    PersonalDataFilter().filter(record)

    assert record.getMessage() == "to [email]"
