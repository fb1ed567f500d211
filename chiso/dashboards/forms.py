"""Forms of the assessment pages. They validate shapes and say precisely what is wrong with
each field; the rules live in the collection services, which every write goes through (a
form may ask the same rule early, to put its message beside the right box).

Dates: inputs are `type="date"` — the browser's picker, which shows the date in the user's
locale (dd/mm/yyyy in Vietnamese) and sends 2025-09-30. A browser without one shows a text box
where 30/9/2025 (or 30/09/2025, 30-9-2025) is accepted; dates elsewhere on the pages are
always written dd/mm/yyyy. Rendered with assessments/_form_field.html, each input names its
help text and its errors in `aria-describedby` (Django builds the attribute; the template
gives the messages those ids)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from chiso.accounts.models import AuditEvent
from chiso.collection.choices import Review
from chiso.collection.evidence import check_issued_on, evidence_window
from chiso.collection.models import Entry, Period
from chiso.frameworks.models import FrameworkVersion
from chiso.lib.formats import parse_vn_date, vn_date
from chiso.lib.periods import parse_period
from chiso.org.choices import UnitKind
from chiso.org.models import PeerGroup, Unit, UnitQuerySet

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]


class DateInput(forms.DateInput):
    """`<input type="date">` with an ISO value (what the picker needs); text typed into a
    browser without a picker (30/9/2025) is sent back as typed."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"placeholder": "dd/mm/yyyy", **(attrs or {})}, format="%Y-%m-%d")

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):
            try:
                return parse_vn_date(value).isoformat()
            except ValueError:
                return value  # kept as typed, beside its error
        return super().format_value(value)


class VnDateField(forms.DateField):
    """A date from the picker (2025-09-30) or typed as 30/9/2025."""

    default_error_messages = {
        "invalid": _("Không phải ngày có thật; hãy nhập dạng dd/mm/yyyy, ví dụ 30/9/2025."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault("widget", DateInput())
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
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Giữ Ctrl (hoặc ⌘) để chọn nhiều đơn vị."),
    )

    def __init__(self, *args: Any, units: UnitQuerySet, query: str = "", **kwargs: Any) -> None:
        """`units`: every unit the admin may open for (one province); `query` narrows the
        list of units to pick from (diacritic-insensitive), never what a kind or group opens."""
        super().__init__(*args, **kwargs)
        self.scope = units
        field = self.fields["version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = FrameworkVersion.objects.select_related("framework")
        group = self.fields["group"]
        assert isinstance(group, forms.ModelChoiceField)
        group.queryset = PeerGroup.objects.filter(Q(scope__isnull=True) | Q(scope__in=units))
        chosen = self.fields["units"]
        assert isinstance(chosen, forms.ModelMultipleChoiceField)
        chosen.queryset = units.search(query) if query else units

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


def evidence_ids(entry_id: int) -> str:
    """Ids of one indicator's evidence boxes (`ev-12-number`): unique on a page of many."""
    return f"ev-{entry_id}-%s"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp (PDF, DOCX, XLSX, PNG, JPEG)"),
        error_messages={
            "required": _("Hãy chọn tệp minh chứng để tải lên."),
            "empty": _("Tệp đã chọn rỗng."),
        },
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg"}),
    )
    title = forms.CharField(
        label=_("Tên minh chứng"),
        required=False,
        max_length=255,
        help_text=_("Để trống thì dùng tên tệp."),
    )


class ReferenceForm(forms.Form):
    """An official document as evidence. With `period`, the issue date must fall in its
    window (`chiso.collection.evidence.evidence_window`), and the picker offers only those."""

    number = forms.CharField(
        label=_("Số hiệu"),
        max_length=80,
        error_messages={"required": _("Hãy nhập số hiệu văn bản (ví dụ 586/KH-UBND).")},
        widget=forms.TextInput(attrs={"placeholder": "586/KH-UBND"}),
    )
    issued_on = VnDateField(label=_("Ngày ban hành"), required=False)
    signer = forms.CharField(label=_("Người ký"), required=False, max_length=120)
    summary = forms.CharField(
        label=_("Trích yếu"),
        error_messages={"required": _("Hãy nhập trích yếu văn bản.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, period: Period | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.period = period
        if period is not None:
            earliest, latest = evidence_window(period)
            field = self.fields["issued_on"]
            field.help_text = _("Trong kỳ hoặc 12 tháng trước kỳ: từ %(a)s đến %(b)s.") % {
                "a": vn_date(earliest),
                "b": vn_date(latest),
            }
            field.widget.attrs.update(min=earliest.isoformat(), max=latest.isoformat())

    def clean_issued_on(self) -> dt.date | None:
        issued: dt.date | None = self.cleaned_data.get("issued_on")
        if issued is not None and self.period is not None:
            problem = check_issued_on(issued, self.period)
            if problem:
                raise forms.ValidationError(problem)
        return issued


def meta_ids(entry_id: int) -> str:
    """Ids of one indicator's owner / due date / note boxes (`meta-12-due`)."""
    return f"meta-{entry_id}-%s"


class EntryMetaForm(forms.Form):
    """Who is in charge of an indicator ("Phụ trách"), its due date and a note; an empty box
    clears what is stored. `seen` carries the three values as the form was drawn, so that a
    save never overwrites what someone else wrote meanwhile without showing it first."""

    owner = forms.CharField(label=_("Phụ trách"), required=False, max_length=255)
    due = VnDateField(
        label=_("Hạn xử lý"),
        required=False,
        error_messages={
            "invalid": _(
                "Hạn xử lý: không phải ngày có thật; hãy nhập dạng dd/mm/yyyy, ví dụ 30/9/2025."
            )
        },
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    @classmethod
    def of(cls, entry: Entry) -> EntryMetaForm:
        """The form filled with what `entry` stores now."""
        initial = {"owner": entry.owner, "due": entry.due, "note": entry.note}
        return cls(auto_id=meta_ids(entry.pk), initial={**initial, "seen": meta_seen(entry)})


def meta_seen(entry: Entry) -> str:
    """An entry's owner, due date and note as one string, to tell whether they moved."""
    due = entry.due.isoformat() if entry.due else ""
    return json.dumps([entry.owner, due, entry.note], ensure_ascii=False)


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
