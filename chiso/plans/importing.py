"""Import a directive's text as plans: extraction proposes, a person reviews, accept writes.

`propose(text)` turns the extractor's output into editable drafts (it never raises on text);
`accept_import(acting_user, province, text, draft)` writes the reviewed drafts as one
Document with its Tasks, Objectives and Targets in one transaction, through the plans
services (which link leads to units and expand collectives such as "UBND các xã").
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.accounts.access import User as AccessUser
from chiso.accounts.access import has_role, is_superuser, units_with_role
from chiso.accounts.choices import Role
from chiso.accounts.services import Actor, record
from chiso.lib import safe_files
from chiso.lib.text import fold
from chiso.lib.unicode_safety import clean
from chiso.org.choices import UnitKind
from chiso.org.models import Unit
from chiso.plans import services
from chiso.plans.choices import Comparator, DocumentKind, Pillar, Recurrence, Scope
from chiso.plans.evidence import max_bytes
from chiso.plans.extraction import ExtractionError, extract_with_spans
from chiso.plans.extraction.reader import read_document
from chiso.plans.leads import resolve_leads
from chiso.plans.models import Document, Task
from chiso.plans.services import TargetSpec, TaskSpec

SUPPORTED = (".txt", ".docx", ".pdf")
MAX_TEXT_CHARS = 1_000_000  # a long plan is ~100 kB; the draft lives in the session meanwhile

RECURRENCES = {
    None: Recurrence.NONE,
    "weekly": Recurrence.WEEKLY,
    "2 per month": Recurrence.TWICE_MONTHLY,
    "monthly": Recurrence.MONTHLY,
    "quarterly": Recurrence.QUARTERLY,
    "annual": Recurrence.YEARLY,
}
# Folded words of the extractor's scope text ("cấp tỉnh, cấp huyện") → Scope, in level order.
SCOPES = {
    "tinh": Scope.PROVINCE,
    "huyen": Scope.DISTRICT,
    "xa": Scope.COMMUNE,
    "thon": Scope.VILLAGE,
}
# First match wins: "hồ sơ … trực tuyến" is government even though citizens file it.
PILLAR_WORDS = (
    (Pillar.ECONOMY, ("kinh te so", "doanh nghiep", "thuong mai dien tu", "thanh toan", "grdp")),
    (Pillar.GOVERNMENT, ("chinh quyen", "dich vu cong", "ho so", "thu tuc", "co quan", "van ban")),
    (Pillar.SOCIETY, ("xa hoi so", "nguoi dan", "ky nang so", "dan so", "ho gia dinh", "thon")),
)
# "Số: 586/KH-UBND" in a header, or "đã ban hành Kế hoạch số 2663/KH-UBND" in a news item;
# a number cited in the body ("theo Công văn số 797/BTTTT") is another document's.
_NUMBER = (
    re.compile(r"^\s*Số\s*:\s*([0-9][\w./-]*)", re.M),
    re.compile(r"ban hành (?:Chỉ thị|Kế hoạch|Nghị quyết|Quyết định|Công văn) số ([0-9][\w./-]*)"),
)
_KIND_CODES = {
    "NQ": DocumentKind.RESOLUTION,
    "KH": DocumentKind.PLAN,
    "CT": DocumentKind.DIRECTIVE,
    "QĐ": DocumentKind.DECISION,
}
_KIND_WORDS = {
    "nghi quyet": DocumentKind.RESOLUTION,
    "ke hoach": DocumentKind.PLAN,
    "chi thi": DocumentKind.DIRECTIVE,
    "quyet dinh": DocumentKind.DECISION,
    "cong van": DocumentKind.LETTER,
}
_TITLE = re.compile(
    r"^(?:V/v|Về việc|(?:Chỉ thị|Kế hoạch|Nghị quyết|Quyết định|Công văn) (?:của|số|về)\b)", re.I
)


@dataclass
class TargetDraft:
    metric: str
    comparator: str = Comparator.AT_LEAST
    value: float = 0
    unit: str = ""
    deadline: dt.date | None = None
    scope: str = Scope.ANY
    pillar: str = Pillar.GENERAL
    assumed: bool = False  # the text gives no date: the deadline is the document's horizon


@dataclass
class TaskDraft:
    text: str
    lead: str = ""
    coordinating: list[str] = field(default_factory=list)
    deadline: dt.date | None = None
    recurrence: str = Recurrence.NONE
    targets: list[TargetDraft] = field(default_factory=list)
    span: tuple[int, int] | None = None  # where the text came from, for highlighting


@dataclass
class DocumentDraft:
    kind: str = DocumentKind.DIRECTIVE
    number: str = ""
    issued_on: dt.date | None = None
    issuer: str = ""
    title: str = ""


@dataclass
class ImportDraft:
    document: DocumentDraft
    tasks: list[TaskDraft]
    targets: list[TargetDraft]  # document-level (objective sections)


# --- reading ------------------------------------------------------------------------------


def read_upload(upload: UploadedFile[bytes]) -> str:
    """The text of an uploaded .txt/.docx/.pdf. Raises ValidationError with the reason."""
    name = safe_files.display_name(upload.name or "")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise ValidationError(
            _("Tệp “%(name)s” không được hỗ trợ: chỉ nhận .txt, .docx hoặc .pdf.") % {"name": name}
        )
    if upload.size is not None and upload.size > max_bytes():
        raise ValidationError(_("Tệp “%(name)s” quá lớn.") % {"name": name})
    try:  # zip bomb, macros, a .pdf that is HTML: refused before a reader opens it
        safe_files.check_document(upload, name)
    except safe_files.UnsafeFile as exc:
        raise ValidationError(str(exc)) from exc
    # The readers take a path (python-docx and pypdf want a real file): copy to a temp file.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            return _named(read_document(path), name)
        except ExtractionError as exc:
            raise ValidationError(str(exc).replace(path.name, name)) from exc


def _named(text: str, name: str) -> str:
    if not text.strip():
        raise ValidationError(
            _("Tệp “%(name)s” không có nội dung văn bản (tệp ảnh quét?).") % {"name": name}
        )
    return text


def clean_text(text: str) -> str:
    """NFC text ready to extract. Raises ValidationError when empty or too long."""
    # NFC without zero-width or bidi characters: extracted titles match typed ones.
    text = clean(text.replace("\x00", " ").replace("\r\n", "\n"))
    if not text.strip():
        raise ValidationError(_("Chưa có nội dung: hãy dán văn bản hoặc chọn tệp."))
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError(
            _("Văn bản quá dài (%(n)s ký tự, tối đa %(max)s).")
            % {"n": len(text), "max": MAX_TEXT_CHARS}
        )
    return text


# --- proposing ----------------------------------------------------------------------------


def propose(text: str) -> ImportDraft:
    """What the extractor proposes for `text` (already cleaned), as editable drafts."""
    result, spans = extract_with_spans(text)
    tasks = [_task(row, span) for row, span in zip(result["tasks"], spans, strict=True)]
    targets = [t for row in result["targets"] for t in _targets(row, None)]
    draft = ImportDraft(_document(text, result), tasks, targets)
    _assume_horizon(draft)
    return draft


def _assume_horizon(draft: ImportDraft) -> None:
    """A target needs a deadline; one the text dates nowhere gets the latest date the document
    states (a 2023 directive's targets are for 2023), flagged for the reviewer to confirm."""
    every = [*draft.targets, *(t for task in draft.tasks for t in task.targets)]
    dates = [t.deadline for t in every if t.deadline]
    dates += [task.deadline for task in draft.tasks if task.deadline]
    if draft.document.issued_on:
        dates.append(dt.date(draft.document.issued_on.year, 12, 31))
    for target in every:
        if target.deadline is None and dates:
            target.deadline, target.assumed = max(dates), True


def _document(text: str, result: dict[str, Any]) -> DocumentDraft:
    number = guess_number(text)
    title = guess_title(text)
    return DocumentDraft(
        kind=guess_kind(number, title),
        number=number,
        issued_on=_date(result.get("issued_date")),
        issuer=result.get("issuer") or "",
        title=title,
    )


def _task(row: dict[str, Any], span: tuple[int, int]) -> TaskDraft:
    deadline = _date(row.get("deadline"))
    return TaskDraft(
        text=row["text"],
        lead=row.get("lead") or "",
        coordinating=list(row.get("coordinating") or []),
        deadline=deadline,
        recurrence=RECURRENCES.get(row.get("recurrence"), Recurrence.PERIODIC),
        targets=[t for target in row.get("targets") or [] for t in _targets(target, deadline)],
        span=span,
    )


def _targets(row: dict[str, Any], fallback: dt.date | None) -> list[TargetDraft]:
    """One draft per level: "80% cấp huyện, cấp xã" is the same value at two levels."""
    comparator = row.get("comparator") or Comparator.EQUAL
    base = TargetDraft(
        metric=row.get("metric") or "",
        comparator=comparator if comparator in Comparator.values else Comparator.EQUAL,
        value=float(row.get("value") or 0),
        unit=row.get("unit") or "",
        deadline=_date(row.get("by")) or fallback,
        pillar=guess_pillar(row.get("metric") or ""),
    )
    levels = scopes_of(row.get("scope") or "") or [Scope.ANY]
    return [TargetDraft(**{**vars(base), "scope": level}) for level in levels]


def scopes_of(text: str) -> list[Scope]:
    words = set(re.findall(r"\w+", fold(text)))
    return [scope for word, scope in SCOPES.items() if word in words]


def guess_pillar(metric: str) -> Pillar:
    key = fold(metric)
    for pillar, words in PILLAR_WORDS:
        if any(word in key for word in words):
            return pillar
    return Pillar.GENERAL


def guess_number(text: str) -> str:
    for pattern in _NUMBER:
        if m := pattern.search(text[:5000]):
            return m.group(1).rstrip(".,")
    return ""


def guess_kind(number: str, title: str) -> DocumentKind:
    """From the number's code (586/KH-UBND → plan), else the title's first words."""
    for code in re.split(r"[/-]", number.upper())[1:2]:
        if code in _KIND_CODES:
            return _KIND_CODES[code]
    head = fold(title)[:40]
    found = [kind for word, kind in _KIND_WORDS.items() if head.startswith(word)]
    return found[0] if found else DocumentKind.DIRECTIVE


def guess_title(text: str) -> str:
    """A short line that names the document ("Chỉ thị của Chủ tịch UBND tỉnh về việc …")."""
    lines = [line.strip() for line in text[:5000].splitlines() if line.strip()]
    short = [line for line in lines if 10 <= len(line) <= 300 and not line.endswith(":")]
    named = [line for line in short if _TITLE.match(line)]
    # Else a news item's headline: its first line, when short and not itself a sentence.
    headline = [line for line in lines[:1] if line in short and not line.endswith(".")]
    return (named or [h for h in headline if not h.isupper()] or [""])[0]


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# --- who may import, and what the leads will link to --------------------------------------


def importing_provinces(user: AccessUser) -> QuerySet[Unit]:
    """Provinces the user may import documents into: their province admin role, or all."""
    provinces = Unit.objects.filter(kind=UnitKind.PROVINCE)
    if is_superuser(user):
        return provinces.order_by("name")
    return provinces.filter(pk__in=units_with_role(user, Role.ADMIN)).order_by("name")


def can_import(user: AccessUser) -> bool:
    return user.is_authenticated and importing_provinces(user).exists()


def lead_units(draft: TaskDraft, province: Unit, on: dt.date) -> list[Unit]:
    """The units the lead will resolve to on accept (for the review screen)."""
    return resolve_leads(draft.lead, province, on)


def resolution_date(document: DocumentDraft) -> dt.date:
    """Units are effective-dated: leads resolve on the issue date, else today (as on accept)."""
    return document.issued_on or timezone.localdate()


# --- accepting ----------------------------------------------------------------------------


@transaction.atomic
def accept_import(
    acting_user: Actor, province: Unit, text: str, draft: ImportDraft, source_url: str = ""
) -> Document:
    """The reviewed draft as a Document with its tasks, objectives and targets.

    Raises PermissionDenied unless the user is the province's admin (or a superuser), and
    ValidationError when the province already has a document with the same number, or a
    target has no deadline. Nothing is written when anything fails.
    """
    _check_admin(acting_user, province)
    _check_unique(province, draft.document.number)
    try:
        with transaction.atomic():
            document = _create(acting_user, province, text, draft.document, source_url)
    except IntegrityError as exc:  # a concurrent import of the same number won the race
        raise ValidationError(_duplicate(province, draft.document.number)) from exc
    for task in draft.tasks:
        _assign(acting_user, document, task)
    _document_objectives(acting_user, document, draft.targets)
    record(acting_user, "plans.import_document", document, new=_summary(draft))
    return document


def _check_admin(actor: Actor, province: Unit) -> None:
    if isinstance(actor, str) or actor is None:
        return  # system writes (CLI, tests) carry a label
    if not has_role(actor, province, Role.ADMIN):
        raise PermissionDenied(_("Chỉ quản trị của tỉnh mới được nhập văn bản."))


def _check_unique(province: Unit, number: str) -> None:
    if number and Document.objects.filter(province=province, number=number).exists():
        raise ValidationError(_duplicate(province, number))


def _duplicate(province: Unit, number: str) -> str:
    return _("Văn bản số %(number)s đã có trong %(province)s: không nhập lại.") % {
        "number": number,
        "province": province.name,
    }


def _create(
    actor: Actor, province: Unit, text: str, doc: DocumentDraft, source_url: str
) -> Document:
    return services.create_document(
        actor,
        province=province,
        kind=doc.kind,
        number=doc.number.strip(),
        issued_on=doc.issued_on,
        issuer=doc.issuer.strip(),
        title=doc.title.strip(),
        text=text,
        source_url=source_url,
    )


def _assign(actor: Actor, document: Document, draft: TaskDraft) -> Task:
    spec = TaskSpec(
        text=draft.text.strip(),
        lead_text=draft.lead.strip(),
        coordinating_text=[c.strip() for c in draft.coordinating if c.strip()],
        recurrence=Recurrence(draft.recurrence),
        deadline=draft.deadline,
    )
    task = services.assign_task(actor, document, spec)
    if draft.targets:
        objective = services.add_objective(
            actor,
            document,
            pillar=Pillar(draft.targets[0].pillar),
            text=spec.text,
            targets=[_target_spec(t) for t in draft.targets],
        )
        task.targets.set(objective.targets.all())
    return task


def _document_objectives(actor: Actor, document: Document, targets: Sequence[TargetDraft]) -> None:
    """One objective per metric: its levels ("90% cấp tỉnh, 80% cấp huyện") are its targets."""
    groups: dict[tuple[str, str], list[TargetDraft]] = {}
    for target in targets:
        groups.setdefault((target.pillar, target.metric.strip()), []).append(target)
    for (pillar, metric), group in groups.items():
        services.add_objective(
            actor,
            document,
            pillar=Pillar(pillar),
            text=metric,
            targets=[_target_spec(t) for t in group],
        )


def _target_spec(draft: TargetDraft) -> TargetSpec:
    if draft.deadline is None:
        raise ValidationError(
            _("Chỉ tiêu “%(metric)s” chưa có thời hạn.") % {"metric": draft.metric}
        )
    return TargetSpec(  # `assumed` is review-time only: the reviewer confirmed the date
        metric=draft.metric.strip(),
        comparator=Comparator(draft.comparator),
        value=draft.value,
        deadline=draft.deadline,
        unit=draft.unit.strip(),
        scope=Scope(draft.scope),
    )


def _summary(draft: ImportDraft) -> dict[str, int]:
    in_tasks = sum(len(t.targets) for t in draft.tasks)
    return {"tasks": len(draft.tasks), "targets": in_tasks + len(draft.targets)}
