"""The tracking-sheet import (collection.sheets) from the web: preview, then commit.

Who: the province admin, or the unit's own reporter while the assessment is still theirs to
edit (draft or returned). A locked assessment takes no import from anyone.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.collection.choices import AssessmentStatus
from chiso.collection.models import Assessment
from chiso.collection.services import CollectionError, EntryChange
from chiso.collection.sheets import apply_sheet, parse_sheet, read_rows
from chiso.collection.workflow import EDITABLE_BY_REPORTER, NotAllowed, WorkflowError
from chiso.exports.upload import Change, checksum
from chiso.lib import safe_files

FIELDS = ("progress", "owner", "due", "note")
SUFFIXES = (".xlsx", ".csv")


@dataclass
class SheetPreview:
    revision: int
    checksum: str
    name: str
    rows: int
    changes: list[Change] = field(default_factory=list)
    stored: list[dict[str, Any]] = field(default_factory=list)

    def to_session(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "checksum": self.checksum,
            "name": self.name,
            "rows": self.rows,
            "changes": self.stored,
        }


def require_importer(user: AbstractBaseUser, assessment: Assessment) -> None:
    """Raise NotAllowed / WorkflowError unless `user` may import a sheet into it now."""
    if assessment.status == AssessmentStatus.LOCKED:
        raise WorkflowError([_("Bản đánh giá đã khoá.")])
    if access.has_role(user, assessment.unit, Role.ADMIN):
        return
    if not access.has_role(user, assessment.unit, Role.REPORTER):
        raise NotAllowed([_("Chỉ quản trị hoặc chuyên viên của đơn vị được nhập bảng theo dõi.")])
    if assessment.status not in EDITABLE_BY_REPORTER:
        raise WorkflowError(
            [
                _("Bản đánh giá ở trạng thái “%(s)s”, không nhập được.")
                % {"s": assessment.get_status_display()}
            ]
        )


def preview_sheet(assessment: Assessment, data: bytes, name: str) -> SheetPreview:
    """Parse a sheet; raises CollectionError listing every row's problem (nothing written)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise WorkflowError([_("%(f)s: chỉ nhận tệp .xlsx hoặc .csv") % {"f": name}])
    _check_safe(data, name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"sheet{suffix}"
        path.write_bytes(data)
        rows = read_rows(path)
    leaves = {i.code: i for i in assessment.version.indicators.filter(is_leaf=True)}
    changes = parse_sheet(rows, leaves)
    result = SheetPreview(assessment.revision, checksum(data), name, len(rows))
    entries = {e.indicator.code: e for e in assessment.entries.select_related("indicator")}
    for change in changes:
        result.changes += _diff(entries.get(change.code), change)
        result.stored.append(_dump(change))
    return result


def _check_safe(data: bytes, name: str) -> None:
    """The zip checks under the uploader's name (the reader sees a temporary file)."""
    if name.lower().endswith(".xlsx") and data.startswith(b"PK\x03\x04"):
        try:
            safe_files.check_workbook_bytes(data, name)
        except safe_files.UnsafeFile as exc:
            raise CollectionError([str(exc)]) from exc


_STAGE_FIELD = {"self": "self_inputs", "appraisal": "appraisal_inputs", "final": "final_inputs"}


def _diff(entry: Any, change: EntryChange) -> list[Change]:
    out = []
    if change.inputs is not None:
        old = getattr(entry, _STAGE_FIELD[change.stage], None) if entry else None
        if (old or {}) != change.inputs:
            out.append(Change(change.code, change.stage, _("Điểm"), old, change.inputs))
    for name in FIELDS:
        new = getattr(change, name)
        old = getattr(entry, name, None) if entry else None
        if new is not None and new != old:
            out.append(Change(change.code, name, name, old, new))
    return out


def _dump(change: EntryChange) -> dict[str, Any]:
    due = change.due.isoformat() if isinstance(change.due, dt.date) else None
    return {
        "code": change.code,
        "inputs": change.inputs,
        "stage": change.stage,
        "progress": change.progress,
        "owner": change.owner,
        "due": due,
        "note": change.note,
        "where": change.where,
    }


def _load(item: dict[str, Any]) -> EntryChange:
    due = dt.date.fromisoformat(item["due"]) if item.get("due") else None
    return EntryChange(**{**item, "due": due})


def commit_sheet(assessment: Assessment, stored: dict[str, Any], user: AbstractBaseUser) -> int:
    """Apply a previewed sheet against the previewed revision (ConflictError if it moved)."""
    require_importer(user, assessment)
    report = apply_sheet(
        assessment,
        [_load(item) for item in stored["changes"]],
        user,
        file_name=stored["name"],
        rows=stored["rows"],
        expected_revision=stored["revision"],
    )
    return report.changed
