"""Length-preserving text views, so that a match in a view is a match in the original text.

`chiso.lib.text.fold` collapses spaces and may change length, which would break the
character offsets we hand to the review UI; these helpers map character by character.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from chiso.lib.text import nfc, strip_diacritics

__all__ = ["key_view", "low_view", "nfc", "words"]

# Vietnamese has two tone-placement conventions ("hoá"/"hóa", "uỷ"/"ủy"); documents mix them.
# Moving the tone mark between two adjacent letters keeps the length, so offsets survive.
_TONES = "\u0300\u0301\u0309\u0303\u0323"
_NEW_STYLE = re.compile(r"(?<![qQ])([oOuU])([àáảãạèéẻẽẹỳýỷỹỵ])(?!\w)")


def _move_tone(m: re.Match[str]) -> str:
    first, second = m.group(1), m.group(2)
    decomposed = unicodedata.normalize("NFD", second)
    base, marks = decomposed[0], decomposed[1:]
    tone = "".join(c for c in marks if c in _TONES)
    return unicodedata.normalize("NFC", first + tone) + base


def _build_tables() -> tuple[dict[int, str], dict[int, str]]:
    low: dict[int, str] = {}
    key: dict[int, str] = {}
    for code in range(0x20, 0x2000):
        ch = chr(code)
        lowered = ch.lower()
        if len(lowered) == 1 and lowered != ch:
            low[code] = lowered
        folded = strip_diacritics(lowered) if len(lowered) == 1 else ch
        if len(folded) == 1 and folded != ch:
            key[code] = folded
    return low, key


_LOW, _KEY = _build_tables()
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=8192)
def low_view(text: str) -> str:
    """Lower case, one tone-placement convention, same length as `text` (NFC input)."""
    text = _NEW_STYLE.sub(_move_tone, text)
    lowered = text.lower()  # fast path; a few characters ('İ') grow when lowered
    return lowered if len(lowered) == len(text) else text.translate(_LOW)


def key_view(text: str) -> str:
    """Lower case without diacritics ('đ' -> 'd'), same length as `text` (NFC input)."""
    return text.translate(_KEY)


def words(text: str) -> list[str]:
    return _WORD.findall(text)
