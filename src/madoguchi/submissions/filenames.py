"""Names of stored and exported files: the extension comes from the content, never the resident.

A resident's file name is untrusted input that ends up on staff Windows terminals (LGWAN
side), in ZIP archives and in ``Content-Disposition`` headers. ``領収書.pdf.hta`` that is
really a PDF must reach staff as ``領収書.pdf``: Windows runs a file by its last extension
and hides known ones, so the only dot in a name we hand out is the one before the
extension of the type we detected. The stem keeps what the resident typed, cleaned.
"""

from __future__ import annotations

import re
import unicodedata

# The extension of each type a form may accept (forms.schema.FileType), by detected content.
EXTENSIONS: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
FALLBACK_EXTENSION = ".bin"
FALLBACK_STEM = "attachment"
# Characters, not bytes: 80 CJK characters are 240 bytes in UTF-8, under the 255 of most
# file systems with the extension added.
STEM_MAX_LENGTH = 80

# Forbidden in Windows names, or path separators anywhere.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
# What looks like an extension at the end of a stem: "領収書.pdf.hta" loses ".hta" and ".pdf".
_TRAILING_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_SPACES = re.compile(r"\s+")
# Device names Windows refuses or treats specially, whatever the extension.
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{prefix}{n}" for prefix in ("COM", "LPT") for n in "0123456789¹²³"}
)
# Unicode categories dropped: controls, format characters (bidirectional overrides such as
# U+202E that show "exe.pdf" for "fdp.exe", zero-width joiners), surrogates, private use,
# unassigned.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def extension_for(content_type: str) -> str:
    return EXTENSIONS.get(content_type, FALLBACK_EXTENSION)


def clean_stem(name: str) -> str:
    """The resident's name without path, extensions, invisible or forbidden characters."""
    text = unicodedata.normalize("NFKC", name)
    # The last path component (browsers of old sent "C:\\Users\\...\\scan.pdf").
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(
        " " if unicodedata.category(char).startswith("Z") else char
        for char in text
        if unicodedata.category(char) not in _DROPPED_CATEGORIES
    )
    text = _FORBIDDEN.sub("_", text)
    text = _SPACES.sub(" ", text).strip(" .")
    while _TRAILING_EXTENSION.search(text):
        text = _TRAILING_EXTENSION.sub("", text).rstrip(" .")
    # The extension is added once, by type: no other dot may make a second one.
    text = text.replace(".", "_").strip(" _-")
    text = text[:STEM_MAX_LENGTH].rstrip(" _-")
    if text.upper() in _RESERVED:
        text = f"_{text}"
    return text or FALLBACK_STEM


def safe_name(name: str, content_type: str) -> str:
    """The name to store, show and export for a file of ``content_type`` the resident
    called ``name``. Applying it again changes nothing."""
    return clean_stem(name) + extension_for(content_type)
