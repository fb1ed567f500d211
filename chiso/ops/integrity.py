"""`chiso check-integrity`: are the stored data what they claim to be?

Three checks, each read-only:
- scores: every stored score snapshot equals a fresh re-score of its cohort, computed in
  memory (nothing is overwritten; a mismatch means a re-score was lost or a row was edited);
- evidence: every evidence file exists in storage with the size and sha256 recorded on upload;
- audit: the audit log's hash chain is unbroken (an edited row no longer matches its hash, a
  deleted or inserted row breaks the link to the previous row's hash).

Run it on a quiet system: a write that commits while the check reads shows up as a mismatch
until its re-score has run.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from chiso.accounts.models import CHAINED_FIELDS, AuditEvent, chain_hash
from chiso.collection.models import Assessment, Evidence, Period
from chiso.frameworks.models import FrameworkVersion
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.services import fresh_snapshots

# The snapshot fields a re-score recomputes (computed_at is when, not what).
SCORED_FIELDS = ("unit_id", "total", "index", "rank", "points", "views", "ranks", "flags")
PAGE = 2000


@dataclass(frozen=True)
class Problem:
    check: str  # "scores" | "evidence" | "audit"
    object_id: int | None
    message: str


@dataclass
class Report:
    checked: dict[str, int] = field(default_factory=dict)  # check → items examined
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "problems": [asdict(p) for p in self.problems],
        }


def check_all(only: tuple[str, ...] = ()) -> Report:
    """Run the checks named in `only` (all of them when empty) and collect every problem."""
    report = Report()
    for name, check in CHECKS.items():
        if only and name not in only:
            continue
        count = 0
        for item in check():
            if isinstance(item, Problem):
                report.problems.append(item)
            else:
                count += item
        report.checked[name] = count
    return report


# --- scores ----------------------------------------------------------------------------------


def check_scores() -> Iterator[Problem | int]:
    """Yield a problem per snapshot that differs from a fresh re-score, and counts."""
    cohorts = Assessment.objects.values_list("version_id", "period_id").distinct()
    for version_id, period_id in sorted(set(cohorts)):
        version = FrameworkVersion.objects.get(pk=version_id)
        period = Period.objects.get(pk=period_id)
        yield from _compare_cohort(version, period)


def _compare_cohort(version: FrameworkVersion, period: Period) -> Iterator[Problem | int]:
    fresh = {(s.assessment_id, s.stage): s for s in fresh_snapshots(version, period)}
    stored = {
        (s.assessment_id, s.stage): s
        for s in ScoreSnapshot.objects.filter(version=version, period=period)
    }
    for key in sorted(fresh.keys() | stored.keys()):
        yield 1
        problem = _snapshot_problem(key, fresh.get(key), stored.get(key))
        if problem:
            yield Problem("scores", key[0], problem)


def _snapshot_problem(
    key: tuple[int, str], fresh: ScoreSnapshot | None, stored: ScoreSnapshot | None
) -> str | None:
    where = {"a": key[0], "s": key[1]}
    if stored is None:
        return _("Bản đánh giá #%(a)s, giai đoạn %(s)s: thiếu điểm đã lưu.") % where
    if fresh is None:
        return (
            _("Bản đánh giá #%(a)s, giai đoạn %(s)s: có điểm đã lưu nhưng không còn dữ liệu.")
            % where
        )
    differ = [f for f in SCORED_FIELDS if not _same(getattr(fresh, f), getattr(stored, f))]
    if not differ:
        return None
    return _("Bản đánh giá #%(a)s, giai đoạn %(s)s: điểm đã lưu khác điểm tính lại (%(f)s).") % {
        **where,
        "f": ", ".join(differ),
    }


def _same(a: Any, b: Any) -> bool:
    """Equal up to float rounding (snapshots keep 6 decimals; jsonb may return 1.0 as 1)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if _number(a) and _number(b):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)
    return bool(a == b)


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


# --- evidence files --------------------------------------------------------------------------


def check_evidence() -> Iterator[Problem | int]:
    """Yield a problem per evidence file that is missing or whose bytes changed."""
    files = Evidence.objects.exclude(file="").order_by("pk")
    for item in files.iterator(chunk_size=PAGE):
        yield 1
        problem = _file_problem(item)
        if problem:
            yield Problem("evidence", item.pk, problem)


def _file_problem(item: Evidence) -> str | None:
    name = item.file.name or ""  # never empty: the query excludes rows without a file
    where = {"id": item.pk, "f": name}
    storage = item.file.storage
    if not storage.exists(name):
        return _("Minh chứng #%(id)s: không có tệp %(f)s trong kho lưu trữ.") % where
    digest, size = hashlib.sha256(), 0
    with storage.open(name, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    if digest.hexdigest() != item.sha256 or size != item.size:
        return (
            _(
                "Minh chứng #%(id)s: tệp %(f)s đã bị thay đổi "
                "(sha256 hoặc kích thước khác lúc tải lên)."
            )
            % where
        )
    return None


# --- audit chain -----------------------------------------------------------------------------


def check_audit_chain() -> Iterator[Problem | int]:
    """Walk the audit log in id order; yield a problem at each row that breaks the chain."""
    prev_id, prev_hash = None, ""
    for row in _audit_rows():
        yield 1
        if row["prev_hash"] != prev_hash:
            yield Problem("audit", row["id"], _link_message(row["id"], prev_id))
        expected = chain_hash(row, row["prev_hash"])
        if expected != row["hash"]:
            yield Problem(
                "audit",
                row["id"],
                _("Nhật ký #%(id)s: nội dung đã bị sửa sau khi ghi (mã băm không khớp).")
                % {"id": row["id"]},
            )
        prev_id, prev_hash = row["id"], row["hash"]


def _link_message(row_id: int, prev_id: int | None) -> str:
    if prev_id is None:
        return _(
            "Nhật ký #%(id)s: dòng đầu tiên còn lại không phải đầu chuỗi "
            "(các dòng trước nó đã bị xoá)."
        ) % {"id": row_id}
    return _("Nhật ký #%(id)s: không nối tiếp dòng #%(p)s (có dòng bị xoá hoặc chèn vào giữa).") % {
        "id": row_id,
        "p": prev_id,
    }


def _audit_rows() -> Iterator[dict[str, Any]]:
    """The rows as plain dicts, a page at a time (the log grows to millions of rows)."""
    names = ("id", "prev_hash", "hash", *CHAINED_FIELDS)
    last = 0
    while True:
        page = list(AuditEvent.objects.filter(id__gt=last).order_by("id").values(*names)[:PAGE])
        if not page:
            return
        yield from page
        last = page[-1]["id"]


CHECKS: dict[str, Callable[[], Iterator[Problem | int]]] = {
    "scores": check_scores,
    "evidence": check_evidence,
    "audit": check_audit_chain,
}
