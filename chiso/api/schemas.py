"""Request and response bodies of the API (field descriptions are shown in /api/docs)."""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import model_validator


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    subtype: str
    parent: str | None = Field(None, description="Mã đơn vị cấp trên")


class VersionOut(Schema):
    number: int
    scale: float
    unit_kinds: list[str]
    legal_basis: str


class FrameworkOut(Schema):
    code: str
    title: str
    status: str
    versions: list[VersionOut]


class InputOut(Schema):
    name: str = Field(description="Tên ô nhập dùng khi ghi số liệu, ví dụ numerator")
    type: str = Field(description="count, percent, bool, choice, number, fraction, points")
    label: str


class IndicatorOut(Schema):
    code: str
    parent: str | None
    level: str
    name: str
    max_points: float
    is_leaf: bool
    rule_kind: str
    rule: str = Field(description="Cách tính điểm, bằng lời")
    inputs: list[InputOut]
    evidence_required: bool
    verifier: str


class AssessmentOut(Schema):
    id: int
    unit: str
    unit_name: str
    framework: str
    version: int
    period: str
    status: str
    status_label: str
    revision: int = Field(description="Gửi lại giá trị này khi ghi số liệu (khoá lạc quan)")
    submitted_at: dt.datetime | None
    signed_at: dt.datetime | None
    approved_at: dt.datetime | None
    transitions: list[str] = Field(description="Các thao tác người gọi được thực hiện lúc này")


class EntryOut(Schema):
    code: str
    name: str
    max_points: float
    inputs: list[InputOut]
    self_inputs: dict[str, Any]
    appraisal_inputs: dict[str, Any] | None
    final_inputs: dict[str, Any] | None
    points: dict[str, float | None] = Field(
        description="Điểm theo giai đoạn: self, appraisal, final"
    )
    progress: str
    owner: str
    due: dt.date | None
    note: str
    review: str
    review_comment: str
    verified_at: dt.datetime | None
    evidence: list[int]


class EntryChangeIn(Schema):
    code: str = Field(description="Mã chỉ tiêu, ví dụ 1.1")
    inputs: dict[str, Any] | None = Field(
        None, description='Giá trị theo tên ô nhập, ví dụ {"numerator": 90, "denominator": 100}'
    )
    progress: str | None = None
    owner: str | None = None
    due: dt.date | None = None
    clear_due: bool = Field(False, description="true: xoá hạn xử lý (khi đó không gửi `due`)")
    note: str | None = None

    @model_validator(mode="after")
    def _one_due(self) -> "EntryChangeIn":
        if self.clear_due and self.due is not None:
            raise ValueError(_("Không gửi cùng lúc due và clear_due."))
        return self


class ValuesIn(Schema):
    revision: int = Field(description="Phiên bản bản đánh giá mà người gọi đã đọc")
    changes: list[EntryChangeIn]


class ValuesOut(Schema):
    changed: int
    revision: int


class TransitionIn(Schema):
    reason: str = ""


class VerifyIn(Schema):
    corrected: dict[str, Any] | None = Field(None, description="Số liệu điều chỉnh (nếu có)")
    reason: str = ""


class ReviewIn(Schema):
    decision: str = Field(description="accepted, corrected hoặc returned")
    corrected: dict[str, Any] | None = None
    comment: str = ""


class SnapshotOut(Schema):
    stage: str
    total: float
    index: float
    rank: int | None
    ranks: dict[str, Any]
    points: dict[str, float]
    views: dict[str, float]
    flags: dict[str, Any]
    computed_at: dt.datetime


class MainOut(Schema):
    code: str
    name: str
    points: float
    max_points: float
    value: float | None


class RankingRowOut(Schema):
    code: str
    name: str
    total: float
    index: float
    rank: int | None
    band: str | None
    main_indicators: list[MainOut]
    views: dict[str, float]


class EvidenceOut(Schema):
    id: int
    kind: str
    title: str
    original_name: str
    content_type: str
    size: int
    number: str
    issued_on: dt.date | None
    signer: str
    summary: str
    entries: list[str] = Field(description="Mã các chỉ tiêu được minh chứng này chứng minh")


class DocumentIn(Schema):
    number: str = Field(description="Số hiệu văn bản, ví dụ 586/KH-UBND")
    issued_on: dt.date | None = None
    signer: str = ""
    summary: str = ""
    entries: list[str] = Field(default_factory=list, description="Mã chỉ tiêu cần gắn")


class LinkIn(Schema):
    entries: list[str]
