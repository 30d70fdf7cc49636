"""File names in a file drop's attachments ZIP, safe for the systems that unpack it.

A resident names their files; the ZIP is unpacked on a Windows PC behind the 無害化 gateway or
by a legacy import job, often in CP932. So a name becomes one path component everywhere: NFC
(macOS uploads arrive decomposed), no path separators or characters Windows refuses, no control
or format characters (NUL, bidi overrides that disguise an extension), no leading dot or trailing
dot/space, no DOS device name, at most ``LIMIT_BYTES`` bytes in UTF-8 and in CP932, CP932-safe
when the profile writes CP932, and numbered when two names of one folder would collide on a
case-insensitive file system. The exports ZIP writer's own ``safe_name`` leaves these names as
they are (a test holds that), so what the manifest says is what the archive holds.
"""

from __future__ import annotations

import re
import unicodedata

from madoguchi.exports.writers import cp932_unholdable, map_to_cp932

# 120 bytes leaves room for the receipt number and field folders under Windows' 260-character
# paths and below every file system's 255-byte limit.
LIMIT_BYTES = 120
_EXTENSION_MAX = 10
_FORBIDDEN = set('/\\:*?"<>|')
# Control, format (bidi overrides, zero-width), separators other than the space, surrogates,
# private use (外字 shows differently on every system) and unassigned code points.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_DEVICE = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def _clean_character(character: str, *, cp932: bool) -> str:
    if character in _FORBIDDEN or unicodedata.category(character) in _DROPPED_CATEGORIES:
        return "_"
    if character.isspace():
        return " "
    if cp932 and cp932_unholdable(character):
        return "_"
    return character


def _byte_length(text: str, *, cp932: bool) -> int:
    size = len(text.encode("utf-8"))
    if cp932:
        size = max(size, len(text.encode("cp932")))
    return size


def _truncate(text: str, limit: int, *, cp932: bool) -> str:
    while text and _byte_length(text, cp932=cp932) > limit:
        text = text[:-1]
    return text


def _trim(text: str) -> str:
    return text.strip(" .").lstrip("-")


def sanitise_name(name: str, *, cp932: bool = False, limit: int = LIMIT_BYTES) -> str:
    """One safe path component for ``name`` (never empty; ``file`` when nothing is left)."""
    text = unicodedata.normalize("NFC", name)
    if cp932:
        text = map_to_cp932(text)
    text = "".join(_clean_character(c, cp932=cp932) for c in text)
    # NFC again: dropping a character can leave a base and a combining mark side by side.
    text = _trim(_SPACES.sub(" ", unicodedata.normalize("NFC", text)))
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > _EXTENSION_MAX or " " in extension:
        stem, extension = text, ""
    stem = _trim(stem)
    if _DEVICE.match(stem):
        stem = f"_{stem}"
    suffix = f".{extension}" if extension else ""
    stem = _trim(_truncate(stem, limit - _byte_length(suffix, cp932=cp932), cp932=cp932))
    return f"{stem or 'file'}{suffix}"


class FolderNames:
    """Names within one folder of the archive: each new name is sanitised, and numbered
    (``name_2.pdf``) when it would collide with an earlier one ignoring case."""

    def __init__(self, *, cp932: bool = False, limit: int = LIMIT_BYTES) -> None:
        self.cp932 = cp932
        self.limit = limit
        self.taken: set[str] = set()

    def add(self, name: str) -> str:
        clean = sanitise_name(name, cp932=self.cp932, limit=self.limit)
        candidate = clean
        counter = 2
        while candidate.casefold() in self.taken:
            stem, dot, extension = clean.rpartition(".")
            if not dot:
                stem, extension = clean, ""
            suffix = f"_{counter}" + (f".{extension}" if extension else "")
            room = self.limit - _byte_length(suffix, cp932=self.cp932)
            candidate = f"{_truncate(stem, room, cp932=self.cp932)}{suffix}"
            counter += 1
        self.taken.add(candidate.casefold())
        return candidate
