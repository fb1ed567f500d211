"""Numeric targets: value, unit, comparator, metric phrase, date and administrative scope."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import REFERENCE, VAGUE, DateMention, find_dates
from .lexicon import ACTION_VERBS, alternation
from .textutil import low_view

_NUM = r"(?<![\w/.,])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\w/])(?!\.\d)(?!,\d)"
_NUMBER = re.compile(_NUM)
_RANK = re.compile(r"\b(?:nhóm|tốp|top)\s+(\d+)\s*(?:[-–]|đến)\s*(\d+)")
_RANGE_TAIL = re.compile(r"\s*(?:đến|[-–])\s*\d+")
_CMP_CHAIN = re.compile(
    r"(?:(?:trên|hơn|tối thiểu|ít nhất|không dưới|không thấp hơn|đạt|từ|dưới|tối đa|"
    r"không quá|không vượt quá|khoảng|chiếm|hoàn thành|tương ứng|lần lượt|là|ở mức|mức)\s+)+$"
)
_GE = re.compile(r"\b(trên|hơn|tối thiểu|ít nhất|không dưới|không thấp hơn|đạt|từ)\b")
_LE = re.compile(r"\b(dưới|tối đa|không quá|không vượt quá)\b")
_EQ = re.compile(r"\b(khoảng|chiếm|hoàn thành)\b")
# A number after these words is a label ("mức độ 3", "Nghị quyết số 09"), not a quantity.
_LABEL_BEFORE = re.compile(
    r"\b(số|mức độ|mức|cấp|lần thứ|thứ|khóa|nhóm|lớp|giai đoạn|quý|tháng|năm|ngày|kỳ|điều|"
    r"khoản|mục|phiên bản|độ|hạng|top|tốp|công nghệ|khu|phường|tổ|chương trình|"
    r"nghị quyết|quyết định|kế hoạch)\s*$"
)
_NOT_UNITS = {
    "tuổi",
    "năm",
    "tháng",
    "ngày",
    "giờ",
    "phút",
    "lần",
    "cấp",
    "lớp",
    "mức",
    "kỳ",
    "điểm",
    "nhóm",
    "giai đoạn",
    "bước",
    "vòng",
    "mục tiêu",
    "chỉ tiêu",
    "quý",
    "tuần",
    "đợt",
    "buổi",
    "chữ",
    "ký tự",
    "bản",
    "trang",
    "độ",
    "nội dung",
    "nhiệm vụ",
}
# Counted nouns that make a bare number a target ("thành lập 150 Tổ công nghệ số").
_CLASSIFIERS = {"tổ", "lượt", "người", "hộ", "tin", "bài", "học viên", "lớp học", "lượt người"}
_CLASSIFIER = re.compile(rf"\s+({alternation(sorted(_CLASSIFIERS))})\b")
_UNIT_END = re.compile(rf"\s(?:{alternation(ACTION_VERBS)}|trên|tại|của|trong|được)\b")
_PERIOD_UNIT = re.compile(r"\s+([^\d;:.()]{1,40}?)\s*/\s*(năm|tháng|quý|tuần|ngày)\b")
_FREQUENCY = {"lần", "kỳ", "đợt", "buổi", "số"}
_VERB_CUT = re.compile(rf",\s+(?:{alternation(ACTION_VERBS)})\b")
_FRAMING = re.compile(
    r"\b(bảo đảm|đảm bảo|phấn đấu|mục tiêu|thực hiện|triển khai|thúc đẩy|nâng cao|tăng cường|"
    r"xây dựng|cụ thể|trong đó|đối với|đạt|là|tương ứng|giữ vị trí thuộc)\b"
)
_SCOPE = re.compile(r"\bcấp (tỉnh|huyện|xã|thôn)\b|\b(thôn, bản|tổ dân phố)\b")
_STOP_AFTER = re.compile(r"[;:.(]|\bđể\b|\bnhằm\b|\btrở lên\b(?=\s*[,;.]|$)")
_DATES_IN_METRIC = re.compile(
    r"\b(?:đến hết|đến cuối|đến|cuối|trong|vào|từ)?\s*(?:năm|ngày|tháng|quý)\s+[\divx/.\-]+"
)


@dataclass
class Target:
    metric: str
    value: float | int
    unit: str
    comparator: str
    by: str | None = None
    scope: str | None = None
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)

    def to_schema(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "comparator": self.comparator,
            "by": self.by,
            "scope": self.scope,
        }


def parse_number(whole: str, frac: str | None = None) -> int | float:
    """'3.000' -> 3000, ('2', '5') -> 2.5: Vietnamese uses '.' for thousands, ',' for decimals."""
    value = int(whole.replace(".", ""))
    return float(f"{value}.{frac}") if frac else value


def comparator_of(chain: str) -> str | None:
    if not chain.strip():
        return None
    if _EQ.search(chain):
        return "="
    if _LE.search(re.sub(r"không (?:dưới|thấp hơn)", "", chain)):
        return "<="
    return ">=" if _GE.search(chain) else "="


@dataclass
class _Raw:
    start: int  # first character of the comparator chain or number
    num_start: int
    end: int  # after number and unit
    value: int | float
    unit: str
    comparator: str | None


def _unit_after(low: str, end: int) -> tuple[str, int] | None:
    rest = low[end:]
    period = _PERIOD_UNIT.match(rest)
    if period and period.group(1).split()[0] not in _FREQUENCY:
        unit = f"{period.group(1).strip()}/{period.group(2)}"
        return unit, end + period.end()
    classifier = _CLASSIFIER.match(rest)
    if classifier:
        return classifier.group(1), end + classifier.end()
    return None


def _count_unit(low: str, end: int) -> tuple[str, int] | None:
    """The counted noun after a number: classifier, or the noun phrase up to a verb."""
    found = _unit_after(low, end)
    if found:
        return found
    phrase = re.match(r"\s+([^\d,;:.()]{1,40})", low[end:])
    if not phrase:
        return None
    text = phrase.group(1)
    cut = _UNIT_END.search(text)
    unit = (text[: cut.start()] if cut else text).strip()
    if not unit or unit.split()[0].split("/")[0] in _NOT_UNITS or unit in _NOT_UNITS:
        return None
    return unit, end + 1 + len(unit)


def _pct_unit(low: str, m: re.Match[str]) -> tuple[int | float, int] | None:
    value = parse_number(m.group(1), m.group(2))
    rest = low[m.end() :]
    pct = re.match(r"\s*(%|phần trăm)", rest)
    if pct:
        return value, m.end() + pct.end()
    if re.match(r"\s+tổng\b", rest) and not re.match(r"\s*(19|20)\d\d$", m.group(1)):
        # "trên 805 tổng số hồ sơ": a share of a total; 5 is the key of % without Shift.
        if value > 100 and m.group(1).endswith("5"):
            value = int(m.group(1)[:-1])
        return (value, m.end()) if value <= 100 else None
    return None


def _raw_at(low: str, m: re.Match[str]) -> _Raw | None:
    before = low[: m.start()]
    if _LABEL_BEFORE.search(before) or re.search(r"[(/]\s*$", before):
        return None
    chain = _CMP_CHAIN.search(before)
    comparator = comparator_of(chain.group(0)) if chain else None
    start = chain.start() if chain else m.start()
    pct = _pct_unit(low, m)
    if pct:
        return _Raw(start, m.start(), pct[1], pct[0], "%", comparator)
    if re.fullmatch(r"(19|20)\d\d", m.group(1)):
        return None
    value = parse_number(m.group(1), m.group(2))
    tail = _RANGE_TAIL.match(low, m.end())
    end = tail.end() if tail else m.end()
    unit = _count_unit(low, end)
    if unit is None:
        return None
    is_class = unit[0] in _CLASSIFIERS or "/" in unit[0]
    if comparator is None and not is_class:
        return None
    return _Raw(start, m.start(), unit[1], value, unit[0], comparator)


def _raw_targets(low: str) -> list[_Raw]:
    raws: list[_Raw] = []
    for r in _RANK.finditer(low):
        raws.append(_Raw(r.start(), r.start(), r.end(), int(r.group(2)), "thứ hạng", "<="))
    for m in _NUMBER.finditer(low):
        if any(r.start <= m.start() < r.end for r in raws) or (raws and m.start() < raws[-1].end):
            continue
        raw = _raw_at(low, m)
        if raw:
            raws.append(raw)
    return sorted(raws, key=lambda r: r.start)


def _clean(text: str) -> str:
    text = re.sub(r"\([^()]*\)", " ", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" ,;:-–+.")


_EMPTY_WORDS = {"tỷ", "lệ", "tối", "thiểu", "tương", "ứng", "là", "đạt", "mức", "có", "và", "số"}
_DENOMINATOR = re.compile(r"^(số|tổng|trên tổng|grdp|trên)\b")


def _is_empty(low_piece: str) -> bool:
    piece = _DATES_IN_METRIC.sub(" ", low_piece)
    return set(_clean(piece).replace(",", " ").split()) <= _EMPTY_WORDS


def _before_metric(text: str, low: str, lo: int, hi: int, denominator: bool) -> str:
    """The measured phrase before the number, after the last framing verb ('bảo đảm …')."""
    seg_low = low[lo:hi]
    cuts = [0] + [m.end() for m in _FRAMING.finditer(seg_low)]
    cuts += [m.end() for m in _VERB_CUT.finditer(seg_low)]
    cuts.sort()
    if not denominator and _is_empty(seg_low[cuts[-1] :]):
        return ""
    cut = next((c for c in reversed(cuts) if not _is_empty(seg_low[c:])), 0)
    seg = _DATES_IN_METRIC.sub(" ", text[lo + cut : hi])
    return _strip_edges(_clean(seg))


def _strip_edges(text: str) -> str:
    text = re.sub(r"^(?:(?:và|có|là|đạt|tỷ lệ tối thiểu|tương ứng)\s+)+", "", text, flags=re.I)
    return re.sub(
        r"(?:\s+(?:và|là|đạt|tương ứng|tối thiểu|tỷ lệ|bảo đảm|đảm bảo))+$", "", text, flags=re.I
    )


def _after_span(low: str, lo: int, hi: int) -> int:
    """End of the measured phrase right after the number; empty when a separator follows."""
    seg_low = low[lo:hi]
    if re.match(r"\s*(?:[,;:.]|và\b|$)", seg_low):
        return lo
    stop = _STOP_AFTER.search(seg_low)
    end = stop.start() if stop else len(seg_low)
    verb = _VERB_CUT.search(seg_low[:end])
    return lo + (verb.start() if verb else end)


def _scopes(text: str) -> list[str]:
    found: list[str] = []
    for m in _SCOPE.finditer(low_view(text)):
        scope = f"cấp {m.group(1)}" if m.group(1) else "cấp thôn"
        if scope not in found:
            found.append(scope)
    return found


def _strip_scope(metric: str) -> str:
    cleaned = re.sub(
        r"(?:\s*,?\s*\b(?:tại|của|đối với|ở)?\s*cấp (?:tỉnh|huyện|xã|thôn)\b)+",
        " ",
        metric,
        flags=re.IGNORECASE,
    )
    return _strip_edges(_clean(cleaned))


def _joined(low: str, a: _Raw, b: _Raw) -> bool:
    """Two numbers in one list ("50%, 40%, 35%"): only a separator between them."""
    return bool(re.fullmatch(r"\s*(?:,|và|,\s*và|;)?\s*", low[a.end : b.start]))


def _date_for(raw: _Raw, low: str, dates: list[DateMention], raws: list[_Raw]) -> str | None:
    before = [d for d in dates if d.end <= raw.start]
    if before:
        return before[-1].value.isoformat() if before[-1].value else None
    for d in dates:
        between = low[raw.end : d.start]
        clause_end = re.search(r"[;.]|$", low[d.end :])
        limit = d.end + (clause_end.start() if clause_end else 0)
        if (
            d.start >= raw.end
            and not re.search(r"[,;:.()]", between)
            and not any(raw.end <= r.start < limit for r in raws if r is not raw)
        ):
            return d.value.isoformat() if d.value else None
    return None


def _scope_for(low: str, raw: _Raw, after: str, clause: str, index: int, run: int) -> str | None:
    scopes = _scopes(after)
    if scopes:
        return ", ".join(scopes)
    scopes = _scopes(clause)
    if not scopes:
        return None
    if re.search(r"\b(tương ứng|lần lượt)\b", clause) and len(scopes) >= run > 1:
        return scopes[min(index, len(scopes) - 1)]
    if run == 1:
        # One value for an enumeration of levels ("hồ sơ cấp huyện, cấp xã … đạt 80%").
        return ", ".join(_last_enumeration(clause))
    return scopes[-1]


def _last_enumeration(clause: str) -> list[str]:
    """The levels of the last "cấp A, cấp B (và cấp C)" run in `clause`, in order."""
    low = low_view(clause)
    runs: list[list[str]] = []
    end = -1
    for m in _SCOPE.finditer(low):
        scope = f"cấp {m.group(1)}" if m.group(1) else "cấp thôn"
        if runs and re.fullmatch(r"\s*(?:,|và|,\s*và|;)?\s*", low[end : m.start()]):
            runs[-1] += [scope] if scope not in runs[-1] else []
        else:
            runs.append([scope])
        end = m.end()
    return runs[-1]


def _runs(low: str, raws: list[_Raw]) -> list[tuple[int, int]]:
    """(index in run, run length) for every raw number."""
    heads: list[int] = []
    for i, raw in enumerate(raws):
        joined = i > 0 and _joined(low, raws[i - 1], raw)
        heads.append(heads[-1] if joined else i)
    return [(i - h, heads.count(h)) for i, h in enumerate(heads)]


def extract_targets(text: str, default_by: str | None = None) -> list[Target]:
    """Targets stated in one sentence, in order. `default_by` comes from a heading or an
    earlier sentence of the paragraph (document-level objectives only)."""
    low = low_view(text)
    raws = _raw_targets(low)
    dates = [d for d in find_dates(text) if d.kind not in (REFERENCE, VAGUE) and d.value]
    runs = _runs(low, raws)
    found: list[Target] = []
    consumed = 0
    for i, raw in enumerate(raws):
        index, run_len = runs[i]
        nxt = raws[i + 1].start if i + 1 < len(raws) else len(text)
        after_lo = (
            raw.end if raw.unit in ("%", "thứ hạng") or "/" in raw.unit else (_unit_start(low, raw))
        )
        after_hi = _after_span(low, after_lo, nxt)
        after = _strip_edges(_clean(_DATES_IN_METRIC.sub(" ", text[after_lo:after_hi])))
        strong = max(low.rfind(";", consumed, raw.start), low.rfind(":", consumed, raw.start))
        lo = strong + 1 if strong >= 0 else consumed
        denominator = bool(_DENOMINATOR.match(low[after_lo:after_hi].strip())) or not after
        before = _before_metric(text, low, lo, raw.start, denominator)
        consumed = max(after_hi, raw.end)
        comparator = raw.comparator
        if index and found:
            before = before or (found[-1].metric if not after else "")
            comparator = comparator or found[-1].comparator
        sem = max(low.rfind(";", 0, raw.start), low.rfind(":", 0, raw.start)) + 1
        head = raws[i - index]
        clause = low[sem : raw.num_start] if not index else low[sem : head.num_start]
        scope = _scope_for(low, raw, low[raw.end : after_hi], clause, index, run_len)
        metric = _strip_scope(" ".join(p for p in (before, after) if p))
        if raw.unit == "thứ hạng":
            metric = _clean("nhóm " + after)
        by = _date_for(raw, low, dates, raws) or default_by
        unit = raw.unit if raw.unit in ("%", "thứ hạng") else _orig_unit(text, low, raw)
        found.append(
            Target(metric, raw.value, unit, comparator or "=", by, scope, raw.start, raw.end)
        )
    _share_tails(found)
    return found


def _unit_start(low: str, raw: _Raw) -> int:
    tail = _RANGE_TAIL.match(low, _NUMBER.search(low, raw.num_start).end())  # type: ignore[union-attr]
    pos = tail.end() if tail else _NUMBER.search(low, raw.num_start).end()  # type: ignore[union-attr]
    return pos


def _orig_unit(text: str, low: str, raw: _Raw) -> str:
    start = _unit_start(low, raw)
    piece = text[start : raw.end].strip()
    return re.sub(r"\s*/\s*", "/", piece) if piece else raw.unit


def _share_tails(found: list[Target]) -> None:
    """'90% hồ sơ tại cấp tỉnh, 80% … tại cấp huyện và 60% hồ sơ … được xử lý trên mạng':
    the shared predicate after the last item belongs to every item of the list."""
    for i, target in enumerate(found):
        for later in found[i + 1 :]:
            if later.unit != target.unit:
                break
            if target.metric and later.metric.startswith(target.metric + " "):
                target.metric = later.metric
                break
