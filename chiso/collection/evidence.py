"""Evidence services: files and document references that back indicators.

Files are typed by their bytes (a `.pdf` that is really an `.exe` is refused), capped at
`CHISO_EVIDENCE_MAX_MB`, stored with a random name in Django's default storage — MEDIA_ROOT/
evidence on local disk (outside the web root, no URL) or a private S3-compatible bucket
(`CHISO_STORAGE=s3`) — and served only through `open_evidence`. They are written and read
through the storage API only (never a filesystem path), so any web worker can serve any file.
An item belongs to its unit, so it can back several indicators and be reused in later periods.

Every write runs in one transaction, checks the actor's role on the unit and writes one audit
row; links are audited on the entry so they show up in the indicator's history.

Dates inside the period: a dated document backs an indicator of a period only when it was
issued within that period or in the twelve months before it starts (`evidence_window`) — a
plan adopted in December 2024 backs the 2025 assessment, one from 2022 does not, and nothing
issued after the period ends can prove what happened in it. Undated items are not checked.
Reusing last period's evidence skips the items that fall outside the new window.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import filetype  # type: ignore[import-untyped]
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.accounts.services import Actor, record
from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.choices import EvidenceKind
from chiso.collection.models import Assessment, Entry, Evidence, Period
from chiso.collection.services import CollectionError
from chiso.collection.workflow import EDITABLE_BY_REPORTER, NotAllowed, require_role
from chiso.lib import safe_files
from chiso.lib.formats import vn_date
from chiso.lib.unicode_safety import clean_line

DEFAULT_MAX_MB = 20
UNIT_ROLES = {Role.REPORTER, Role.HEAD, Role.ADMIN}
# Office files are zip archives: the member that makes each one what it is.
_OOXML = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx"}
KINDS: dict[str, tuple[str, str]] = {  # detected kind → (content type, extension)
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpg"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
LABELS = {
    "pdf": "PDF",
    "png": gettext_lazy("ảnh PNG"),
    "jpg": gettext_lazy("ảnh JPEG"),
    "docx": "Word (DOCX)",
    "xlsx": "Excel (XLSX)",
}


class EvidenceError(CollectionError):
    """An upload or reference that cannot be accepted (message in Vietnamese).

    `fields` places each message on the form field it is about (`file`, `number`,
    `issued_on`, `summary`), so a form can show it beside the box; `messages` lists them all.
    """

    def __init__(self, messages: Sequence[str], fields: Mapping[str, Sequence[str]] | None = None):
        super().__init__(messages)
        self.fields: dict[str, list[str]] = {k: list(v) for k, v in (fields or {}).items()}

    @classmethod
    def on(cls, field: str, message: str) -> EvidenceError:
        return cls([message], {field: [message]})


LOOKBACK_MONTHS = 12  # how long before its period a document may have been issued


def evidence_window(period: Period) -> tuple[dt.date, dt.date]:
    """(earliest, latest) issue date of a document that backs `period`'s indicators: from
    twelve months before the period starts to the day it ends."""
    start = period.start
    year, month = divmod(start.year * 12 + start.month - 1 - LOOKBACK_MONTHS, 12)
    earliest = dt.date(year, month + 1, min(start.day, 28))
    return earliest, period.end


def check_issued_on(issued_on: dt.date | None, period: Period) -> str | None:
    """Why a document issued on `issued_on` cannot back `period`, or None when it can."""
    if issued_on is None:
        return None
    earliest, latest = evidence_window(period)
    values = {
        "d": vn_date(issued_on),
        "p": period.label,
        "from": vn_date(earliest),
        "to": vn_date(latest),
    }
    if issued_on > latest:
        return (
            _(
                "Ngày ban hành %(d)s sau khi kỳ %(p)s kết thúc (%(to)s): minh chứng phải ban "
                "hành từ %(from)s đến %(to)s."
            )
            % values
        )
    if issued_on < earliest:
        return (
            _(
                "Ngày ban hành %(d)s quá xa trước kỳ %(p)s: minh chứng phải ban hành trong kỳ "
                "hoặc 12 tháng trước kỳ, từ %(from)s đến %(to)s."
            )
            % values
        )
    return None


def max_bytes() -> int:
    return int(getattr(settings, "CHISO_EVIDENCE_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str
    size: int
    sha256: str


def check_file(stream: IO[bytes], name: str) -> Checked:
    """Size and type of an upload, read from its bytes. Raises EvidenceError."""
    # An upload cut off at CHISO_UPLOAD_MAX_MB is empty but still reports its real size.
    size = max(_size(stream), int(getattr(stream, "size", 0) or 0))
    limit = max_bytes()
    if size > limit:
        raise EvidenceError.on(
            "file",
            _("Tệp “%(n)s” quá lớn (%(s)s MB); tối đa %(m)s MB.")
            % {"n": name, "s": _mb(size), "m": _mb(limit)},
        )
    if size == 0:
        raise EvidenceError.on("file", _("Tệp “%(n)s” rỗng.") % {"n": name})
    kind = _detect(stream)
    if kind is None:
        raise EvidenceError.on(
            "file",
            _(
                "Tệp “%(n)s” không phải PDF, Word (DOCX), Excel (XLSX), ảnh PNG hay JPEG "
                "(kiểm tra theo nội dung tệp, không theo tên)."
            )
            % {"n": name},
        )
    _check_content(stream, name, kind)
    content_type, extension = KINDS[kind]
    return Checked(content_type, extension, size, _sha256(stream))


def _check_content(stream: IO[bytes], name: str, kind: str) -> None:
    """Office files pass the zip and macro checks, PDFs and images must not carry markup
    (docs/security-files.md)."""
    label = str(LABELS[kind])
    try:
        if kind in ("docx", "xlsx"):
            safe_files.check_office(stream, name, kind, embeddings=True)
        else:
            safe_files.check_no_markup(stream, name, label)
    except safe_files.UnsafeFile as exc:
        raise EvidenceError.on("file", str(exc)) from exc


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",").replace(",0", "")


def _detect(stream: IO[bytes]) -> str | None:
    """The file's kind from its leading bytes; zip archives are opened to tell DOCX from XLSX
    (and from any other zip, which is refused)."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    guess = filetype.guess_extension(head)
    if guess in ("pdf", "png", "jpg"):
        return str(guess)
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(stream)
    return None


def _ooxml_kind(stream: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    finally:
        stream.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for member, kind in _OOXML.items() if member in names), None)


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


# --- writes --------------------------------------------------------------------------------


def _require_unit_role(actor: Actor, unit: Any) -> None:
    if isinstance(actor, str) or actor is None:
        return  # the CLI and the demo are trusted
    if not access.has_role(actor, unit, *UNIT_ROLES):
        raise NotAllowed([_("Bạn không có quyền thêm minh chứng cho đơn vị này.")])


@transaction.atomic
def upload_evidence(
    unit: Any,
    stream: IO[bytes],
    name: str,
    actor: Actor,
    *,
    title: str = "",
    entries: Iterable[Entry] = (),
    is_public: bool = False,
) -> Evidence:
    """Store one file for `unit` and link it to `entries`.

    Raises NotAllowed (no reporter/head/admin role on the unit), EvidenceError (too large, not
    an accepted type by content) or WorkflowError (an entry that cannot be changed now).
    """
    _require_unit_role(actor, unit)
    name, title = safe_files.display_name(name), clean_line(title)
    checked = check_file(stream, name)
    evidence = Evidence(
        unit=unit,
        kind=EvidenceKind.FILE,
        title=(title or name)[:255],
        original_name=safe_files.named_for(name, checked.extension),
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        is_public=is_public,
        created_by=_user(actor),
    )
    # A random stored name: nothing the uploader chose ends up in a path.
    _store(evidence, f"{uuid.uuid4().hex}.{checked.extension}", stream)
    evidence.save()
    record(actor, "evidence.upload", evidence, new=_describe(evidence))
    for entry in entries:
        link_evidence(entry, evidence, actor)
    return evidence


def _store(evidence: Evidence, name: str, stream: IO[bytes]) -> None:
    """Write the file to storage; a full disk or read-only storage becomes an EvidenceError
    and leaves no partial file behind (Django's storage keeps what it wrote before failing)."""
    try:
        evidence.file.save(name, File(stream), save=False)
    except OSError as exc:
        stored = evidence.file.field.generate_filename(evidence, name)
        with contextlib.suppress(OSError):
            evidence.file.storage.delete(stored)
        raise EvidenceError.on(
            "file",
            _("Không lưu được tệp “%(n)s” vào kho lưu trữ (%(e)s); chưa có gì được ghi.")
            % {"n": evidence.original_name, "e": exc.strerror or exc},
        ) from exc


@transaction.atomic
def add_document_reference(
    unit: Any,
    actor: Actor,
    *,
    number: str,
    issued_on: dt.date | None,
    signer: str,
    summary: str,
    entries: Iterable[Entry] = (),
    is_public: bool = False,
) -> Evidence:
    """A structured reference to an official document (số hiệu, ngày, người ký, trích yếu).

    Raises NotAllowed, EvidenceError (number or summary missing, date in the future) or
    WorkflowError (an entry that cannot be changed now).
    """
    _require_unit_role(actor, unit)
    problems = _check_reference(number, issued_on, summary)
    if problems:
        raise EvidenceError([m for found in problems.values() for m in found], problems)
    evidence = Evidence.objects.create(
        unit=unit,
        kind=EvidenceKind.DOCUMENT,
        number=number.strip(),
        issued_on=issued_on,
        signer=signer.strip(),
        summary=summary.strip(),
        title=f"{number.strip()} {summary.strip()}"[:255],
        is_public=is_public,
        created_by=_user(actor),
    )
    record(actor, "evidence.reference", evidence, new=_describe(evidence))
    for entry in entries:
        link_evidence(entry, evidence, actor)
    return evidence


def _check_reference(number: str, issued_on: dt.date | None, summary: str) -> dict[str, list[str]]:
    """{form field: messages} of a reference that cannot be stored."""
    out: dict[str, list[str]] = {}
    if not number.strip():
        out["number"] = [_("Hãy nhập số hiệu văn bản (ví dụ 586/KH-UBND).")]
    if issued_on is not None and issued_on > dt.date.today():
        out["issued_on"] = [_("Ngày ban hành %(d)s sau hôm nay.") % {"d": vn_date(issued_on)}]
    if not summary.strip():
        out["summary"] = [_("Hãy nhập trích yếu văn bản.")]
    return out


@transaction.atomic
def link_evidence(entry: Entry, evidence: Evidence, actor: Actor) -> bool:
    """Attach `evidence` to `entry` (same unit only); False when it was already attached.

    Raises NotAllowed, or WorkflowError when the assessment is past the unit's editing.
    """
    _check_can_change(entry, evidence, actor)
    if entry.evidence.filter(pk=evidence.pk).exists():
        return False
    entry.evidence.add(evidence)
    record(actor, "entry.evidence.link", entry, new={"evidence": [evidence.pk, str(evidence)]})
    return True


@transaction.atomic
def unlink_evidence(entry: Entry, evidence: Evidence, actor: Actor) -> bool:
    """Detach `evidence` from `entry` (the item itself stays, for other indicators)."""
    _check_can_change(entry, evidence, actor)
    if not entry.evidence.filter(pk=evidence.pk).exists():
        return False
    entry.evidence.remove(evidence)
    record(actor, "entry.evidence.unlink", entry, old={"evidence": [evidence.pk, str(evidence)]})
    return True


def _check_can_change(entry: Entry, evidence: Evidence, actor: Actor) -> None:
    assessment = entry.assessment
    if evidence.unit_id != assessment.unit_id:
        raise NotAllowed([_("Minh chứng này thuộc đơn vị khác.")])
    _require_unit_role(actor, assessment.unit)
    if assessment.status == S.LOCKED:
        raise EvidenceError([_("Bản đánh giá đã khoá, không thay đổi minh chứng được.")])
    if assessment.status not in EDITABLE_BY_REPORTER:
        # After submission only the province may still adjust what backs a figure.
        require_role(actor, assessment, {Role.ADMIN})
    problem = check_issued_on(evidence.issued_on, assessment.period)
    if problem:
        message = _("Văn bản %(n)s: %(m)s") % {"n": evidence.number, "m": problem}
        raise EvidenceError([message], {"issued_on": [problem]})


@transaction.atomic
def carry_forward(assessment: Assessment, actor: Actor) -> int:
    """Reuse last period's evidence: link to each indicator what backed the same indicator
    code in the unit's previous assessment. Returns the number of new links."""
    _require_unit_role(actor, assessment.unit)
    previous = previous_assessment(assessment)
    if previous is None:
        return 0
    mine = {
        e.indicator.code: e for e in assessment.entries.select_related("indicator", "assessment")
    }
    links = 0
    for old in previous.entries.select_related("indicator").prefetch_related("evidence"):
        entry = mine.get(old.indicator.code)
        for evidence in old.evidence.all() if entry else ():
            if check_issued_on(evidence.issued_on, assessment.period):
                continue  # too old for this period: it stays with the earlier one
            links += link_evidence(entry, evidence, actor)  # type: ignore[arg-type]
    return links


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """The unit's latest earlier assessment under the same framework."""
    return (
        Assessment.objects.filter(
            unit_id=assessment.unit_id,
            version__framework_id=assessment.version.framework_id,
            period__start__lt=assessment.period.start,
        )
        .order_by("-period__start")
        .first()
    )


# --- reads ---------------------------------------------------------------------------------


def evidence_of_unit(unit_id: int) -> QuerySet[Evidence]:
    """Everything the unit has ever attached (any period), newest first, for the picker."""
    return Evidence.objects.filter(unit_id=unit_id).order_by("-created_at", "-pk")


def open_evidence(user: access.User, pk: int) -> Evidence:
    """The evidence `pk` if the user may see its unit, else Http404.

    Marked public or not: public evidence reaches people outside the unit only through the
    portal (chiso.dashboards.portal.evidence_file), which also checks that a cohort it backs
    is published. The caller streams `evidence.file.open("rb")` (the storage API: local disk
    or bucket); a reference without a file is also Http404 there.
    """
    return access.get_visible_or_404(Evidence.objects.all(), user, pk=pk)


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _describe(evidence: Evidence) -> dict[str, Any]:
    if evidence.kind == EvidenceKind.DOCUMENT:
        return {
            "number": evidence.number,
            "issued_on": evidence.issued_on.isoformat() if evidence.issued_on else None,
            "signer": evidence.signer,
            "summary": evidence.summary,
        }
    return {
        "name": evidence.original_name,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "content_type": evidence.content_type,
    }
