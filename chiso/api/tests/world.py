"""The Cast province (chiso/exports/tests/cast.py) with one of everything a URL can name.

Every object exists twice: "ours" (reached by the own personas through commune t.xa-a or
province t) and "theirs" (the neighbour commune t.xa-b, or the far province u), so every path
parameter of every route can be filled with a real object of either side.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chiso.collection.evidence import upload_evidence
from chiso.collection.models import Entry, Evidence
from chiso.collection.services import open_assessments
from chiso.dashboards.models import Publication
from chiso.exports.tests.cast import Cast
from chiso.plans import services as plans
from chiso.plans.choices import Comparator, DocumentKind, Pillar
from chiso.plans.models import Attachment, Document, Occurrence, ProgressUpdate, Target

# A tiny but real PDF (the evidence checks type files by their bytes).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
SECRET = b"BIEN-BAN-MAT"  # a marker inside every private file: found in a body = a leak


def pdf() -> bytes:
    return PDF + b"%" + SECRET + b"\n"


class World(Cast):
    def __init__(self, tmp_path: Path) -> None:
        super().__init__(tmp_path)
        (self.far_assessment,) = open_assessments(
            self.version, self.period, [self.far_commune], "test"
        )
        self.entry = self._first_entry(self.assessment)
        self.other_entry = self._first_entry(self.other_assessment)
        self.evidence = self._evidence(self.entry, "bien-ban-a.pdf")
        self.other_evidence = self._evidence(self.other_entry, "bien-ban-b.pdf")
        self.document = self._document(self.province, "1/CT-UBND", self.commune)
        self.other_document = self._document(self.far, "2/CT-UBND", self.far_commune)
        self.occurrence = Occurrence.objects.get(task__document=self.document)
        self.other_occurrence = Occurrence.objects.get(task__document=self.other_document)
        self.attachment = self._attachment(self.document)
        self.other_attachment = self._attachment(self.other_document)
        self.target = self._target(self.document)
        self.other_target = self._target(self.other_document)
        self.update = self._progress(self.occurrence)
        self.other_update = self._progress(self.other_occurrence)

    @staticmethod
    def _first_entry(assessment: Any) -> Entry:
        found = assessment.entries.order_by("pk").first()
        assert found is not None
        return found

    def _evidence(self, entry: Entry, name: str) -> Evidence:
        unit = entry.assessment.unit
        return upload_evidence(unit, io.BytesIO(pdf()), name, "test", entries=[entry])

    def _document(self, province: Any, number: str, lead: Any) -> Document:
        doc = plans.create_document(
            "test",
            province=province,
            kind=DocumentKind.DIRECTIVE,
            number=number,
            issued_on=dt.date(2025, 8, 1),
            issuer=f"UBND {province.name}",
            title="Chỉ thị về chuyển đổi số",
        )
        spec = plans.TaskSpec(
            text=f"{lead.name} báo cáo kết quả.", lead_text=lead.name, deadline=dt.date(2025, 9, 30)
        )
        task = plans.assign_task("test", doc, spec)
        # The lead resolver knows real Vietnamese agency names, not these test communes:
        # give the task to the commune directly.
        task.leads.set([lead])
        Occurrence.objects.filter(task=task).update(unit=lead)
        return doc

    @staticmethod
    def _attachment(doc: Document) -> Attachment:
        upload = SimpleUploadedFile("chi-thi.pdf", pdf(), content_type="application/pdf")
        return plans.add_attachment("test", doc, upload)

    @staticmethod
    def _target(doc: Document) -> Target:
        spec = plans.TargetSpec(
            metric="Tỷ lệ hồ sơ trực tuyến",
            comparator=Comparator.AT_LEAST,
            value=80,
            deadline=dt.date(2025, 12, 31),
            unit="%",
        )
        objective = plans.add_objective(
            "test", doc, pillar=Pillar.GOVERNMENT, text="Chính quyền số", targets=[spec]
        )
        return objective.targets.get()

    @staticmethod
    def _progress(occurrence: Occurrence) -> ProgressUpdate:
        upload = SimpleUploadedFile("bao-cao.pdf", pdf(), content_type="application/pdf")
        return plans.post_progress("test", occurrence, note="Đã làm", evidence=upload)

    def publish(self) -> Publication:
        return Publication.objects.create(
            version=self.version, period=self.period, published_at=timezone.now()
        )
