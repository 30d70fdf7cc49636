"""The scanner registry has the shape of every backend registry (core.registry)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.core.registry import DuplicateBackend, UnknownBackend
from madoguchi.submissions import scanners
from madoguchi.submissions.scanners.contrib.clamd.backend import ClamdScanner
from madoguchi.submissions.scanners.contrib.none.backend import NoScanner


def test_the_built_in_scanners_are_registered_by_the_app_under_their_setting_names() -> None:
    assert scanners.scanner_names() == ["clamd", "none"]
    assert isinstance(scanners.scanner("none"), NoScanner)
    assert isinstance(scanners.scanner("clamd"), ClamdScanner)


def test_each_lookup_gives_a_new_scanner_configured_now() -> None:
    assert scanners.scanner("none") is not scanners.scanner("none")


def test_another_scanner_under_a_taken_name_is_refused_and_the_same_one_again_is_not() -> None:
    with pytest.raises(DuplicateBackend, match="'none' is already registered"):
        scanners.register("none", ClamdScanner)
    assert scanners.register("none", NoScanner) is NoScanner


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(
        UnknownBackend, match=r"no virus scanner named 'sophos' \(known: clamd, none\)"
    ):
        scanners.scanner("sophos")


def test_the_none_scanner_calls_every_file_clean() -> None:
    assert scanners.scanner("none").scan(SimpleUploadedFile("a", b"x")) == scanners.Clean()
