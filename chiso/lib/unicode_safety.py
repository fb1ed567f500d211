"""Unicode at the boundaries: one spelling for the same text, nothing invisible in it.

Vietnamese can be typed composed (NFC, "ệ" is one code point) or decomposed (NFD, "e" plus
two combining marks, what macOS file names and some Excel exports produce). Both look the
same and must compare equal, so every text that enters chiso (forms, the API, imported files)
is normalised to NFC here. Invisible characters (zero-width spaces and joiners, the byte-order
mark, bidirectional overrides that make "gpj.exe" display as "exe.jpg") carry no meaning in
Vietnamese administrative text and make look-alike codes ("1.1" and "1.1\u200b"): they are
removed, so two codes that differ only by them become the same code and collide as duplicates
instead of living side by side. Control characters (other than tab and line breaks in running
text) are removed too.

The functions are pure (no Django): the loaders and the importers call them; the middleware
at the end applies them to every submitted form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse, QueryDict

# Zero-width space/non-joiner/joiner, LRM/RLM, bidi embeddings and overrides (U+202A-E),
# word joiner and invisible operators (U+2060-4), bidi isolates (U+2066-9), BOM / ZWNBSP,
# soft hyphen, Arabic letter mark, Mongolian vowel separator.
INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\ufeff\u00ad\u061c\u180e"
)
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
# C0 and C1 controls except tab, line feed and carriage return (kept in running text).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("[\t\r\n\u2028\u2029\x85]+")


def clean(text: str) -> str:
    """NFC, without invisible or control characters; tabs and line breaks stay."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", _INVISIBLE.sub("", text)))


def clean_line(text: str) -> str:
    """`clean` for one-line values (names, codes, file names): line breaks become spaces and
    the ends are trimmed."""
    return _LINE_BREAKS.sub(" ", clean(text)).strip()


def invisible_in(text: str) -> list[str]:
    """The invisible or control characters of `text`, as "U+200B" labels (for messages)."""
    found = _INVISIBLE.findall(text) + _CONTROL.findall(text)
    return sorted({f"U+{ord(ch):04X}" for ch in found})


def clean_tree(value: Any) -> Any:
    """`clean` applied to every string of a parsed JSON body (dicts, lists, strings).

    Only for trees without shared references (JSON has none); keys are cleaned too."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [clean_tree(v) for v in value]
    if isinstance(value, dict):
        return {clean_tree(k): clean_tree(v) for k, v in value.items()}
    return value


# Fields whose exact characters matter: a password is compared as typed, a token as issued.
_VERBATIM = ("password", "csrfmiddlewaretoken", "token")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class CleanInputMiddleware:
    """Every submitted form field is `clean`ed before a view sees it (passwords and tokens
    excepted), so NFD input matches NFC data and no invisible character reaches a name or a
    code through the web. The API cleans its JSON bodies with the same function."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("POST", "PUT", "PATCH") and request.content_type in _FORMS:
            # An immutable copy, as Django's own; the stubs type POST as the immutable kind.
            request.POST = _cleaned(request.POST)  # type: ignore[assignment]
        return self.get_response(request)


def _cleaned(data: QueryDict) -> QueryDict:
    out = data.copy()
    for key in out:
        if not any(word in key.lower() for word in _VERBATIM):
            out.setlist(key, [clean(v) for v in data.getlist(key)])
    out._mutable = False
    return out
