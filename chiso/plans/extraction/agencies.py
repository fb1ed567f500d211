"""Agency names: noun-phrase detection in sentences, normalisation and matching to unit codes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from chiso.lib.text import fold

from .lexicon import AGENCY_HEADS, AGENCY_NAMES, CAPITAL_HEADS, PREDICATES, alternation
from .textutil import low_view

_HEAD = re.compile(rf"(?:{alternation(AGENCY_HEADS)})\b")
_NAME = re.compile(rf"(?:{alternation(AGENCY_NAMES)})\b")
_PRED = re.compile(rf"(?:{alternation(PREDICATES)})\b")
_TOKEN = re.compile(r"\S+\s*")
MAX_WORDS = 30


def starts_with_agency(text: str, low: str | None = None) -> bool:
    """True when `text` opens with an agency head ('Sở …', 'UBND …', 'các cơ quan …')."""
    low = low_view(text) if low is None else low
    m = _HEAD.match(low)
    if not m:
        return False
    head = m.group(0)
    if head in CAPITAL_HEADS and not text[:1].isupper():
        return False
    return not low.startswith("báo cáo")


def agency_span(text: str, low: str | None = None, allow_semicolon: bool = True) -> int:
    """Length of the agency noun phrase opening `text`, ending before its predicate.

    Returns 0 when `text` does not open with an agency or no predicate follows soon.
    Fixed names that contain verbs ('Sở Xây dựng', 'Ban Chỉ đạo') are skipped whole."""
    low = low_view(text) if low is None else low
    if not starts_with_agency(text, low):
        return 0
    head = _NAME.match(low) or _HEAD.match(low)
    pos, count = (head.end() if head else 0), 1
    while pos < len(low) and low[pos] == " ":
        pos += 1
    while pos < len(low) and count <= MAX_WORDS:
        name = _NAME.match(low, pos)
        if name:
            pos = name.end()
        elif pos and _PRED.match(low, pos):
            return len(text[:pos].rstrip(" ,"))
        else:
            tok = _TOKEN.match(low, pos)
            if not tok or low[pos] in ".:" or (low[pos] == ";" and not allow_semicolon):
                return 0
            pos = tok.end()
        while pos < len(low) and low[pos] == " ":
            pos += 1
        count += 1
    return 0


def split_agencies(text: str) -> list[str]:
    """'Sở Nội Vụ, Sở KH&CN và các cơ quan, đơn vị liên quan' -> three names.

    Splits at ',' / 'và' only where the next part opens with a capitalised or collective
    agency head, so 'các cơ quan, đơn vị' and 'Sở Lao động, Thương binh và Xã hội' stay whole."""
    parts: list[str] = []
    start = 0
    low = low_view(text)
    for m in re.finditer(r"\s*(?:,|;|\bvà\b)\s*", text):
        rest, rest_low = text[m.end() :], low[m.end() :]
        if (
            starts_with_agency(rest, rest_low)
            and (rest[:1].isupper() or rest_low.startswith("các "))
            and not _inside_name(low, m.start())
        ):
            parts.append(text[start : m.start()])
            start = m.end()
    parts.append(text[start:])
    return [p.strip(" ,;") for p in parts if p.strip(" ,;")]


def _inside_name(low: str, pos: int) -> bool:
    return any(n.start() < pos < n.end() for n in _NAME.finditer(low))


_ABBREVIATIONS = [
    (r"\bubnd\b", "uy ban nhan dan"),
    (r"\bhdnd\b", "hoi dong nhan dan"),
    (r"\bvp\b", "van phong"),
    (r"\bnhnn\b", "ngan hang nha nuoc"),
    (r"\btt ?& ?tt\b|\btttt\b", "thong tin va truyen thong"),
    (r"\bldtb ?& ?xh\b|\bldtbxh\b", "lao dong thuong binh va xa hoi"),
    (r"\bkh ?& ?dt\b|\bkhdt\b", "ke hoach va dau tu"),
    (r"\bkh ?& ?cn\b|\bkhcn\b", "khoa hoc va cong nghe"),
    (r"\bgd ?& ?dt\b|\bgddt\b", "giao duc va dao tao"),
    (r"\bvh ?, ?tt ?& ?dl\b|\bvhttdl\b", "van hoa the thao va du lich"),
    (r"\bnn ?& ?ptnt\b|\bnnptnt\b", "nong nghiep va phat trien nong thon"),
    (r"\btn ?& ?mt\b|\btnmt\b", "tai nguyen va moi truong"),
    (r"\bgtvt\b", "giao thong van tai"),
    (r"\bbhxh\b", "bao hiem xa hoi"),
    (r"\btp\b", "thanh pho"),
    (r"\bmttq\b", "mat tran to quoc"),
]


def normalize_agency(name: str) -> str:
    """Comparable key: folded, abbreviations expanded, punctuation and 'và' spacing unified.
    'Sở TT&TT' and 'Sở Thông tin và Truyền thông' give the same key."""
    key = fold(name)
    for pattern, full in _ABBREVIATIONS:
        key = re.sub(pattern, full, key)
    key = re.sub(r"[^\w\s]", " ", key).replace(" va ", " ")
    return re.sub(r"\s+", " ", f" {key} ".replace(" va ", " ")).strip()


def match_agency(name: str, candidates: Sequence[tuple[str, str]]) -> list[str]:
    """Codes of the candidate units `name` refers to: exact key first, else containment."""
    key = normalize_agency(name)
    if not key:
        return []
    keys = [(code, normalize_agency(unit)) for code, unit in candidates]
    exact = [code for code, unit_key in keys if unit_key == key]
    if exact:
        return exact
    return [
        code
        for code, unit_key in keys
        if unit_key and (f" {unit_key} " in f" {key} " or f" {key} " in f" {unit_key} ")
    ]


_COLLECTIVES = [
    (r"\bcac (so|ban|nganh|co quan)\b|\bso, ban, nganh\b", "department"),
    (r"\b(huyen|thanh pho|thi xa)\b.*\b(cac|cap huyen)\b|\bcac huyen\b|\bcap huyen\b", "district"),
    (r"\bcac xa\b|\bxa, phuong\b|\bcap xa\b|\bphuong, thi tran\b", "commune"),
]


def expand_collective(name: str) -> list[str]:
    """Unit kinds a collective name covers: 'UBND các huyện, thành phố, thị xã' -> ['district']."""
    key = fold(name)
    kinds: list[str] = []
    for part in re.split(r";|\s(?=ubnd|uy ban|chu tich)", key):
        for pattern, kind in _COLLECTIVES:
            if re.search(pattern, part) and kind not in kinds:
                kinds.append(kind)
                break
    return kinds
