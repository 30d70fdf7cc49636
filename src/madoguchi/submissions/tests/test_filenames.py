"""Safe names: whatever the resident calls a file, the name handed out has one extension,
the detected type's, and nothing a Windows terminal or an archive tool could misread."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.submissions import filenames

TYPES = st.sampled_from(sorted(filenames.EXTENSIONS))


@given(name=st.text(max_size=300), content_type=TYPES)
def test_any_name_becomes_one_safe_component_ending_in_the_detected_types_extension(
    name: str, content_type: str
) -> None:
    safe = filenames.safe_name(name, content_type)

    stem, dot, extension = safe.rpartition(".")
    assert dot and f".{extension}" == filenames.EXTENSIONS[content_type]
    assert "." not in stem and stem
    assert not set('<>:"/\\|?*') & set(safe)
    assert all(unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Cn"} for c in safe)
    assert stem == stem.strip() and not stem.startswith("-")
    assert stem.upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    assert len(stem) <= filenames.STEM_MAX_LENGTH
    assert len(safe.encode()) <= 255
    assert filenames.safe_name(safe, content_type) == safe  # stable: stored names show as-is


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("領収書.pdf.hta", "application/pdf", "領収書.pdf"),
        ("領収書.html", "image/jpeg", "領収書.jpg"),
        ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.pdf"),
        ("..\\..\\Windows\\System32\\run.bat", "application/pdf", "run.pdf"),
        ("2025.04.01 領収書.pdf", "application/pdf", "2025_04_01 領収書.pdf"),
        ("CON.pdf", "application/pdf", "_CON.pdf"),
        ("ｽｷｬﾝ．ｐｄｆ", "application/pdf", "スキャン.pdf"),
        ("", "image/png", "attachment.png"),
        (".htaccess", "image/png", "htaccess.png"),
    ],
)
def test_examples_of_names_handed_to_staff(name: str, content_type: str, expected: str) -> None:
    assert filenames.safe_name(name, content_type) == expected
