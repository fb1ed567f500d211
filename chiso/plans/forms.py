from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chiso.lib.formats import parse_vn_date, parse_vn_number, vn_date
from chiso.org.models import Unit
from chiso.plans.choices import (
    Aggregate,
    Comparator,
    DocumentKind,
    Pillar,
    Scope,
    TargetStatus,
    TaskState,
)
from chiso.plans.evidence import check_upload
from chiso.plans.models import Document

# Looks like a date (d/m/yyyy): a failure to parse is then a day the calendar lacks (31/02).
_DATE_SHAPE = re.compile(r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\s*$")


class VnDateField(forms.CharField):
    """dd/mm/yyyy in and out."""

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_vn_date(text)
        except ValueError as exc:
            if _DATE_SHAPE.match(text):
                raise ValidationError(
                    _("Ngày %(value)s không có trong lịch."), params={"value": text.strip()}
                ) from exc
            raise ValidationError(_("Ngày không hợp lệ (dd/mm/yyyy).")) from exc

    def prepare_value(self, value: Any) -> Any:
        return vn_date(value) if isinstance(value, dt.date) else value


class VnNumberField(forms.CharField):
    """A number written the Vietnamese way ('90', '7,5', '3.000')."""

    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            number = parse_vn_number(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValidationError(
                _("“%(value)s” không phải là một số (ví dụ: 90 hoặc 7,5)."),
                params={"value": text.strip()},
            )
        return number

    def prepare_value(self, value: Any) -> Any:
        """A stored number as typed back: 7.5 → '7,5', 90.0 → '90' (never '1.234', which
        reads as one thousand two hundred thirty-four)."""
        if isinstance(value, float | int) and not isinstance(value, bool) and math.isfinite(value):
            return format(Decimal(repr(float(value))).normalize(), "f").replace(".", ",")
        return value


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("Nội dung cập nhật"), widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(
        # xgettext:no-python-format
        label=_("% hoàn thành"),
        min_value=0,
        max_value=100,
        required=False,
    )
    quantity = forms.IntegerField(label=_("Số lượng đã thực hiện"), min_value=0, required=False)
    evidence = forms.FileField(label=_("Tệp minh chứng"), required=False)
    doc_number = forms.CharField(label=_("Số hiệu văn bản"), max_length=60, required=False)
    doc_date = VnDateField(label=_("Ngày văn bản (dd/mm/yyyy)"), required=False)
    doc_signer = forms.CharField(label=_("Người ký"), max_length=120, required=False)
    doc_summary = forms.CharField(label=_("Trích yếu"), required=False)

    def clean_evidence(self) -> Any:
        upload = self.cleaned_data.get("evidence")
        if upload:
            check_upload(upload)
        return upload


class CompleteForm(forms.Form):
    note = forms.CharField(
        label=_("Kết quả"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Lý do trả lại"), widget=forms.Textarea(attrs={"rows": 2}))


class TaskFilter(forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False)
    state = forms.ChoiceField(
        label=_("Tình trạng"), required=False, choices=[("", _("Tất cả")), *TaskState.choices]
    )


class DocumentFilter(forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False)
    kind = forms.ChoiceField(
        label=_("Loại văn bản"), required=False, choices=[("", _("Tất cả")), *DocumentKind.choices]
    )


class TargetFilter(forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False)
    pillar = forms.ChoiceField(
        label=_("Trụ cột"), required=False, choices=[("", _("Tất cả")), *Pillar.choices]
    )
    status = forms.ChoiceField(
        label=_("Tình trạng"), required=False, choices=[("", _("Tất cả")), *TargetStatus.choices]
    )


class MonthFilter(TaskFilter):
    month = forms.RegexField(label=_("Tháng (yyyy-mm)"), regex=r"^\d{4}-\d{2}$", required=False)


# --- writes by the province admin ---------------------------------------------------------


class DocumentForm(forms.Form):
    province = forms.ModelChoiceField(label=_("Tỉnh"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("Loại văn bản"), choices=DocumentKind.choices)
    number = forms.CharField(label=_("Số hiệu (ví dụ 586/KH-UBND)"), max_length=60, required=False)
    issued_on = VnDateField(label=_("Ngày ban hành (dd/mm/yyyy)"), required=False)
    issuer = forms.CharField(label=_("Cơ quan ban hành"), max_length=255)
    title = forms.CharField(label=_("Trích yếu"), widget=forms.Textarea(attrs={"rows": 2}))
    text = forms.CharField(
        label=_("Toàn văn"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    source_url = forms.URLField(
        label=_("Nguồn (địa chỉ web)"), max_length=500, required=False, assume_scheme="https"
    )
    related = forms.ModelMultipleChoiceField(
        label=_("Thực hiện các văn bản"), queryset=Document.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, provinces: QuerySet[Unit], document: Document | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["province"].queryset = provinces  # type: ignore[attr-defined]
        others = Document.objects.filter(province__in=provinces).order_by("-issued_on", "number")
        if document is not None:
            # The province of an existing document does not change: access follows it.
            del self.fields["province"]
            others = others.filter(province=document.province).exclude(pk=document.pk)
        self.fields["related"].queryset = others  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Tệp đính kèm"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        check_upload(upload)
        return upload


# One statement sets values for several levels ("90% cấp tỉnh, 80% cấp huyện, 60% cấp xã"):
# one value field per scope, each filled value becomes one target of the objective.
SCOPE_FIELDS = [(f"value_{s.value or 'all'}", s) for s in Scope]


class ObjectiveEditForm(forms.Form):
    pillar = forms.ChoiceField(label=_("Trụ cột"), choices=Pillar.choices)
    text = forms.CharField(label=_("Nội dung mục tiêu"), widget=forms.Textarea(attrs={"rows": 2}))


class ObjectiveForm(ObjectiveEditForm):
    metric = forms.CharField(label=_("Chỉ tiêu đo"), max_length=500)
    comparator = forms.ChoiceField(label=_("So sánh"), choices=Comparator.choices)
    unit = forms.CharField(label=_("Đơn vị tính"), max_length=60, required=False)
    deadline = VnDateField(label=_("Thời hạn (dd/mm/yyyy)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, scope in SCOPE_FIELDS:
            self.fields[name] = VnNumberField(
                label=_("Giá trị — %(scope)s") % {"scope": scope.label}, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not any(data.get(n) is not None for n, _s in SCOPE_FIELDS):
            raise ValidationError(_("Nhập giá trị cho ít nhất một cấp."))
        return data

    def values(self) -> list[tuple[Scope, float]]:
        data = self.cleaned_data
        return [(s, data[n]) for n, s in SCOPE_FIELDS if data.get(n) is not None]


class TargetForm(forms.Form):
    """One target of an objective; the service checks what spans fields (the base point)."""

    metric = forms.CharField(label=_("Chỉ tiêu đo"), widget=forms.Textarea(attrs={"rows": 2}))
    comparator = forms.ChoiceField(label=_("So sánh"), choices=Comparator.choices)
    value = VnNumberField(label=_("Giá trị"))
    unit = forms.CharField(label=_("Đơn vị tính"), max_length=60, required=False)
    scope = forms.ChoiceField(label=_("Phạm vi"), choices=Scope.choices, required=False)
    deadline = VnDateField(label=_("Thời hạn (dd/mm/yyyy)"))
    baseline_value = VnNumberField(label=_("Giá trị gốc (nếu có)"), required=False)
    baseline_on = VnDateField(label=_("Ngày gốc (dd/mm/yyyy)"), required=False)


class DeleteForm(forms.Form):
    """What the confirmation page showed would go with the deletion (services.Dependents)."""

    targets = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    measurements = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    tasks = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class IndicatorLinkForm(forms.Form):
    framework = forms.ChoiceField(label=_("Bộ chỉ số"))
    code = forms.CharField(label=_("Mã chỉ tiêu trong bộ chỉ số (ví dụ 6.1)"), max_length=40)
    aggregate = forms.ChoiceField(
        label=_("Cách tính"),
        choices=[("unit", _("Một đơn vị")), *Aggregate.choices],
        initial=Aggregate.MEAN,
    )
    measured_unit = forms.ModelChoiceField(
        label=_("Đơn vị (khi tính cho một đơn vị)"), queryset=Unit.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, frameworks: list[tuple[str, str]], units: QuerySet[Unit], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["framework"].choices = frameworks  # type: ignore[attr-defined]
        self.fields["measured_unit"].queryset = units  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("aggregate") == "unit" and data.get("measured_unit") is None:
            self.add_error("measured_unit", _("Chọn đơn vị khi tính cho một đơn vị."))
        return data


class MeasurementForm(forms.Form):
    value = VnNumberField(label=_("Giá trị"))
    measured_on = VnDateField(label=_("Ngày số liệu (dd/mm/yyyy)"))
    evidence = forms.CharField(
        label=_("Minh chứng (nguồn, văn bản)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
