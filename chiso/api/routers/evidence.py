"""Evidence through the evidence services: document references, file uploads, links, download."""

from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from chiso.api.auth import caller
from chiso.api.errors import ErrorOut
from chiso.api.routers.assessments import WRITE_ERRORS, get_assessment
from chiso.api.schemas import DocumentIn, EvidenceOut, LinkIn
from chiso.collection import evidence as services
from chiso.collection.models import Assessment, Entry, Evidence
from chiso.collection.services import CollectionError

router = Router(tags=["Minh chứng"])


def evidence_out(item: Evidence, assessment: Assessment) -> dict[str, Any]:
    codes = [e.indicator.code for e in item.entries.all() if e.assessment_id == assessment.pk]
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.title,
        "original_name": item.original_name,
        "content_type": item.content_type,
        "size": item.size,
        "number": item.number,
        "issued_on": item.issued_on,
        "signer": item.signer,
        "summary": item.summary,
        "entries": codes,
    }


def _entries(assessment: Assessment, codes: list[str]) -> list[Entry]:
    found = {
        e.indicator.code: e
        for e in assessment.entries.select_related(
            "indicator", "assessment__period", "assessment__unit"
        ).filter(indicator__code__in=codes)
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise CollectionError(
            [_("Không có chỉ tiêu %(c)s trong bản đánh giá.") % {"c": c} for c in missing]
        )
    return [found[c] for c in codes]


def _listed(assessment: Assessment) -> Any:
    return services.evidence_of_unit(assessment.unit_id).prefetch_related("entries__indicator")


@router.get(
    "/assessments/{int:pk}/evidence",
    response={200: list[EvidenceOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Minh chứng của đơn vị (kèm các chỉ tiêu của bản đánh giá này mà nó chứng minh)",
)
def list_evidence(request: HttpRequest, pk: int) -> Any:
    assessment = get_assessment(request, pk)
    return [evidence_out(e, assessment) for e in _listed(assessment)]


@router.post(
    "/assessments/{int:pk}/evidence/documents",
    response={201: EvidenceOut, **WRITE_ERRORS},
    summary="Thêm văn bản làm minh chứng (số hiệu, ngày, người ký, trích yếu)",
)
def add_document(request: HttpRequest, pk: int, body: DocumentIn) -> Any:
    assessment = get_assessment(request, pk)
    item = services.add_document_reference(
        assessment.unit,
        caller(request),
        number=body.number,
        issued_on=body.issued_on,
        signer=body.signer,
        summary=body.summary,
        entries=_entries(assessment, body.entries),
    )
    return Status(201, evidence_out(item, assessment))


@router.post(
    "/assessments/{int:pk}/evidence/files",
    response={201: EvidenceOut, **WRITE_ERRORS},
    summary="Tải lên tệp minh chứng (PDF, DOCX, XLSX, PNG, JPEG; kiểm tra theo nội dung)",
)
def upload_file(
    request: HttpRequest,
    pk: int,
    file: File[UploadedFile],
    title: Form[str] = "",
    entries: Form[str] = "",
) -> Any:
    """`entries`: các mã chỉ tiêu, cách nhau bởi dấu phẩy."""
    assessment = get_assessment(request, pk)
    codes = [c.strip() for c in entries.split(",") if c.strip()]
    item = services.upload_evidence(
        assessment.unit,
        file,  # an UploadedFile is a binary stream (seek, read)
        file.name or "tep",
        caller(request),
        title=title,
        entries=_entries(assessment, codes),
    )
    return Status(201, evidence_out(item, assessment))


@router.post(
    "/assessments/{int:pk}/evidence/{int:evidence_id}/links",
    response={200: EvidenceOut, **WRITE_ERRORS},
    summary="Gắn một minh chứng sẵn có vào các chỉ tiêu",
)
def link(request: HttpRequest, pk: int, evidence_id: int, body: LinkIn) -> Any:
    assessment = get_assessment(request, pk)
    item = services.open_evidence(caller(request), evidence_id)
    for entry in _entries(assessment, body.entries):
        services.link_evidence(entry, item, caller(request))
    return evidence_out(item, assessment)


@router.get(
    "/evidence/{int:evidence_id}/download",
    response={200: None, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Tải tệp minh chứng (chỉ khi bạn được xem)",
)
def download(request: HttpRequest, evidence_id: int) -> Any:
    item = services.open_evidence(caller(request), evidence_id)
    if not item.file:
        raise Http404
    return FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name or "minh-chung",
        content_type=item.content_type or "application/octet-stream",
    )
