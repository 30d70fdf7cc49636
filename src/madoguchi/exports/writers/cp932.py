"""CP932 (Shift_JIS as Windows has it): mapping JIS-derived code points, finding what it
cannot hold.

Text typed on phones and Macs arrives in Unicode, and a handful of characters that
JIS X 0208 shares with CP932 have different Unicode code points on the two sides (the
classic 〜 WAVE DASH / ～ FULLWIDTH TILDE pair). Those are mapped first. Whatever
still has no CP932 code (emoji, kanji outside JIS X 0208 and the NEC/IBM extensions,
外字 in the private use area) is never replaced silently: the caller turns it into a
:class:`~madoguchi.exports.writers.cells.Problem` and either refuses the export or
writes 〓 (GETA MARK, the traditional "missing glyph" sign).
"""

from __future__ import annotations

import re

GETA = "〓"

# Unicode code points that JIS-derived mappings (JIS X 0208/0201 as in EUC-JP, macOS,
# ISO-2022-JP) use where CP932 has a different one for the same glyph. Python's cp932
# codec encodes the first six one way only (they decode to the right-hand side), the
# last four not at all; mapping them explicitly makes what we write what we read back.
JIS_TO_CP932: dict[int, str] = {
    0x301C: "\uff5e",  # 〜 WAVE DASH → ～ FULLWIDTH TILDE
    0x2212: "\uff0d",  # − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
    0x2016: "\u2225",  # ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
    0x00A2: "\uffe0",  # ¢ → ￠
    0x00A3: "\uffe1",  # £ → ￡
    0x00AC: "\uffe2",  # ¬ → ￢
    0x2014: "\u2015",  # — EM DASH → ― HORIZONTAL BAR
    0x00A6: "\uffe4",  # ¦ BROKEN BAR → ￤
    0x00A5: "\uffe5",  # ¥ YEN SIGN (JIS X 0201) → ￥
    0x203E: "\uffe3",  # ‾ OVERLINE (JIS X 0201) → ￣ FULLWIDTH MACRON
}
# Private use code points (外字) encode into CP932's user-defined area, but each
# system has its own 外字 table: the receiving side would show a different character.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


# str.translate with a dict looks up every character in Python; a regex scans in C.
_JIS_VARIANT = re.compile("[" + "".join(chr(c) for c in JIS_TO_CP932) + "]")


def map_to_cp932(text: str) -> str:
    """Replace JIS-derived code points by the ones CP932 uses for the same character."""
    if _JIS_VARIANT.search(text) is None:
        return text
    return text.translate(JIS_TO_CP932)


def _holdable(character: str) -> bool:
    if _PRIVATE_USE.match(character):
        return False
    try:
        character.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def cp932_unholdable(text: str) -> list[str]:
    """Characters of already-mapped ``text`` that CP932 cannot carry, in order."""
    if _PRIVATE_USE.search(text) is None:
        try:
            text.encode("cp932")
            return []
        except UnicodeEncodeError:
            pass
    return [c for c in text if not _holdable(c)]


def to_cp932(text: str, *, replace: bool) -> tuple[str, list[str]]:
    """Map ``text`` for CP932. Returns the text to write and the characters it cannot hold.

    With ``replace`` each of them is written as 〓; without, the text is returned
    unchanged apart from the mapping and the caller must not write it.
    """
    mapped = map_to_cp932(text)
    bad = cp932_unholdable(mapped)
    if bad and replace:
        mapped = "".join(c if _holdable(c) else GETA for c in mapped)
    return mapped, bad
