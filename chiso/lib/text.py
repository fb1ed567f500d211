"""Vietnamese text helpers: diacritic-insensitive folding for search and matching."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
# đ/Đ are letters of their own, not d + a combining mark, so NFD alone leaves them in place.
_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def strip_diacritics(text: str) -> str:
    """'Nghệ An' -> 'Nghe An', 'Đắk Nông' -> 'Dak Nong' (case kept)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Search key: no diacritics, lower case, single spaces. 'Sở  Tài CHÍNH' -> 'so tai chinh'."""
    return _SPACE.sub(" ", strip_diacritics(text).casefold()).strip()


def nfc(text: str) -> str:
    """Normalise to NFC so that composed and decomposed input compare equal."""
    return unicodedata.normalize("NFC", text)
