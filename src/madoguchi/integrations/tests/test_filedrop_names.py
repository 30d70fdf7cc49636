"""The file drop's name sanitiser, for any name a resident (or an attacker) can type."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.exports.writers import cp932_unholdable, safe_name
from madoguchi.integrations.filedrop_names import LIMIT_BYTES, FolderNames, sanitise_name

names = st.text(min_size=0, max_size=400)
hostile = st.lists(
    st.sampled_from(["..", "/", "\\", "\x00", "\u202e", "\u3000", ".", " ", "CON", "𠮷", "ｶ", "a"]),
    max_size=60,
).map("".join)


def assert_safe(name: str, *, cp932: bool) -> None:
    assert name
    assert unicodedata.normalize("NFC", name) == name
    assert not set(name) & set('/\\:*?"<>|')
    assert all(unicodedata.category(c)[0] != "C" for c in name)
    assert not name.startswith((".", " ", "-")) and not name.endswith((".", " "))
    assert name not in {".", ".."}
    assert len(name.encode("utf-8")) <= LIMIT_BYTES
    if cp932:
        assert not cp932_unholdable(name)
        assert len(name.encode("cp932")) <= LIMIT_BYTES
    # The exports ZIP writer leaves it as it is: the manifest names what the archive holds.
    assert safe_name(name) == name


@settings(max_examples=400)
@given(st.one_of(names, hostile), st.booleans())
def test_a_sanitised_name_is_one_safe_path_component(name: str, cp932: bool) -> None:
    assert_safe(sanitise_name(name, cp932=cp932), cp932=cp932)


@settings(max_examples=200)
@given(st.one_of(names, hostile), st.booleans())
def test_sanitising_is_idempotent(name: str, cp932: bool) -> None:
    once = sanitise_name(name, cp932=cp932)
    assert sanitise_name(once, cp932=cp932) == once


@settings(max_examples=200)
@given(st.lists(st.one_of(names, hostile), max_size=30), st.booleans())
def test_names_of_one_folder_never_collide_even_ignoring_case(
    originals: list[str], cp932: bool
) -> None:
    folder = FolderNames(cp932=cp932)

    given_names = [folder.add(name) for name in originals]

    assert len({n.casefold() for n in given_names}) == len(given_names)
    for name in given_names:
        assert_safe(name, cp932=cp932)


def test_plain_names_keep_their_extension_and_read_the_same() -> None:
    assert sanitise_name("住民票の写し.pdf") == "住民票の写し.pdf"
    assert sanitise_name("ﾃｽﾄ　ﾌｧｲﾙ.PDF") == "ﾃｽﾄ ﾌｧｲﾙ.PDF"
    long = sanitise_name("診断書" * 100 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= LIMIT_BYTES


def test_decomposed_names_from_a_mac_become_nfc() -> None:
    assert sanitise_name(unicodedata.normalize("NFD", "パスポート.jpg")) == "パスポート.jpg"


def test_device_names_and_traversal_are_defused() -> None:
    assert sanitise_name("../../etc/passwd") == "_.._etc_passwd"
    assert sanitise_name("CON.txt") == "_CON.txt"
    assert sanitise_name("...") == "file"
    assert sanitise_name("\u202egpj.exe") == "_gpj.exe"
    assert sanitise_name("evil\x00.pdf") == "evil_.pdf"


def test_cp932_names_map_jis_variants_and_replace_the_rest() -> None:
    assert sanitise_name("〜𠮷田.pdf", cp932=True) == "～_田.pdf"
    assert sanitise_name("〜𠮷田.pdf", cp932=False) == "〜𠮷田.pdf"
