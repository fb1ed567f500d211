from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chiso.lib.formats import parse_vn_date
from chiso.plans.choices import DocumentKind, Pillar, TargetStatus, TaskState
from chiso.plans.evidence import check_upload


class VnDateField(forms.CharField):
    """dd/mm/yyyy in and out."""

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_vn_date(text)
        except ValueError as exc:
            raise ValidationError(_("Ngày không hợp lệ (dd/mm/yyyy).")) from exc


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
