"""Forms of the assessment pages. Dates are typed dd/mm/yyyy; they only validate shapes —
the rules live in the collection services, which every write goes through."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chiso.accounts.models import AuditEvent
from chiso.collection.choices import Review
from chiso.frameworks.models import FrameworkVersion
from chiso.lib.periods import parse_period
from chiso.org.choices import UnitKind
from chiso.org.models import PeerGroup, Unit, UnitQuerySet

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"]


class VnDateField(forms.DateField):
    """A date typed as 30/09/2025 (ISO also accepted, for the browser's own date picker)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault(
            "widget", forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"})
        )
        super().__init__(**kwargs)


class OpenPeriodForm(forms.Form):
    """What the admin picks to open a period: a version, a period code and which units."""

    version = forms.ModelChoiceField(
        label=_("Bộ chỉ số (phiên bản)"), queryset=FrameworkVersion.objects.none()
    )
    period = forms.CharField(
        label=_("Kỳ đánh giá"),
        max_length=16,
        help_text=_("Năm (2026), quý (2026-Q1) hoặc tháng (2026-03)."),
    )
    opens_on = VnDateField(label=_("Mở nhập từ ngày"), required=False)
    closes_on = VnDateField(label=_("Hạn nộp"), required=False)
    kind = forms.ChoiceField(
        label=_("Mọi đơn vị thuộc loại"),
        required=False,
        choices=[("", "—"), *UnitKind.choices],
    )
    group = forms.ModelChoiceField(
        label=_("hoặc nhóm đơn vị"), required=False, queryset=PeerGroup.objects.all()
    )
    units = forms.ModelMultipleChoiceField(
        label=_("hoặc chọn từng đơn vị"),
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )

    def __init__(self, *args: Any, units: UnitQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = units
        field = self.fields["version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = FrameworkVersion.objects.select_related("framework")
        chosen = self.fields["units"]
        assert isinstance(chosen, forms.ModelMultipleChoiceField)
        chosen.queryset = units

    def clean_period(self) -> str:
        code = str(self.cleaned_data["period"]).strip()
        try:
            return parse_period(code).code
        except ValueError as exc:
            raise forms.ValidationError(
                _("Kỳ “%(c)s” không đúng dạng 2026, 2026-Q1 hoặc 2026-03.") % {"c": code}
            ) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("kind") or data.get("group") or data.get("units")):
            raise forms.ValidationError(_("Hãy chọn loại đơn vị, một nhóm hoặc các đơn vị."))
        return data

    def chosen_units(self) -> UnitQuerySet:
        """The units picked, always narrowed to the admin's scope and to current units."""
        data = self.cleaned_data
        units = self.scope.current()
        if data.get("units"):
            return units.filter(pk__in=[u.pk for u in data["units"]])
        if data.get("group"):
            units = units.filter(memberships_in_groups=data["group"])
        if data.get("kind"):
            units = units.filter(kind=data["kind"])
        return units


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), required=False, widget=forms.Textarea)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp (PDF, DOCX, XLSX, PNG, JPEG)"))
    title = forms.CharField(label=_("Tên minh chứng"), required=False, max_length=255)


class ReferenceForm(forms.Form):
    number = forms.CharField(label=_("Số hiệu"), max_length=80)
    issued_on = VnDateField(label=_("Ngày ban hành"), required=False)
    signer = forms.CharField(label=_("Người ký"), required=False, max_length=120)
    summary = forms.CharField(label=_("Trích yếu"), widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Quyết định"),
        choices=[
            (Review.ACCEPTED, _("Chấp nhận")),
            (Review.CORRECTED, _("Điều chỉnh (ghi lý do)")),
            (Review.RETURNED, _("Trả lại cho đơn vị (ghi ý kiến)")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Lý do / ý kiến"), required=False, widget=forms.Textarea)


class AuditFilter(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị"), required=False, queryset=Unit.objects.none())
    user = forms.ModelChoiceField(
        label=_("Người thực hiện"), required=False, queryset=get_user_model().objects.none()
    )
    action = forms.ChoiceField(label=_("Thao tác"), required=False, choices=[])
    since = VnDateField(label=_("Từ ngày"), required=False)
    until = VnDateField(label=_("Đến ngày"), required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = units
        user = self.fields["user"]
        assert isinstance(user, forms.ModelChoiceField)
        user.queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", "—"), *((a, a) for a in actions.distinct())]
