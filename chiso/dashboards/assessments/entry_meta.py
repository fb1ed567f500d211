"""Who is in charge of an indicator ("Phụ trách"), its due date ("Hạn xử lý") and a note.

A small form on every leaf whose figures the user may edit, under the same rule (the unit's
reporter, in draft, or on a returned indicator): saved through `save_self_inputs`, so the
audit row, the revision bump and the re-score are those of a value edit. With HTMX the answer
is the leaf's block; without, a redirect back, or the page again with the form's messages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chiso.collection.models import Assessment, Entry
from chiso.collection.services import CollectionError, ConflictError, EntryChange
from chiso.collection.workflow import NotAllowed, save_self_inputs
from chiso.dashboards.assessments.common import (
    assessment_or_404,
    back_to,
    entry_or_404,
    is_htmx,
    no_store,
    require,
)
from chiso.dashboards.assessments.detail import page_with_meta_form
from chiso.dashboards.assessments.rows import build_sheet, leaf_editable
from chiso.dashboards.forms import EntryMetaForm, meta_ids, meta_seen
from chiso.lib.formats import vn_date


@login_required
@require_POST
def save_meta(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """Set or clear one indicator's owner, due date and note (an empty box clears)."""
    assessment = assessment_or_404(request, pk)
    entry = entry_or_404(assessment, entry_id)
    require(leaf_editable(request.user, assessment, entry))
    if "seen" not in request.POST:
        # Without what the form was drawn with, a save could overwrite unseen changes.
        return HttpResponseBadRequest(_("Không nhận được nội dung biểu mẫu của chỉ tiêu này."))
    form = EntryMetaForm(request.POST, auto_id=meta_ids(entry.pk))
    changed = form.is_valid() and _save(request, assessment, entry, form)
    code = entry.indicator.code
    if form.errors:
        if not is_htmx(request):
            return page_with_meta_form(request, assessment, entry.pk, form)
        _focus_first_error(form)
        status = _("Chưa lưu %(c)s: xem thông báo bên cạnh các ô.") % {"c": code}
        return _block(request, assessment, entry.pk, form, status)
    done = (
        _("Đã lưu phụ trách, hạn xử lý, ghi chú của %(c)s.")
        if changed
        else _("Phụ trách, hạn xử lý, ghi chú của %(c)s không thay đổi.")
    ) % {"c": code}
    if is_htmx(request):
        return _block(request, assessment, entry.pk, None, done)
    messages.success(request, done)
    return back_to(assessment, f"leaf-{entry.pk}")


def _save(request: HttpRequest, assessment: Assessment, entry: Entry, form: EntryMetaForm) -> bool:
    """Save the form unless the stored values moved since it was drawn; True if any changed.

    The revision read with the assessment (before the entry) guards the comparison: when
    anything was saved since, the service refuses, the entry is read again and compared again.
    Problems go onto the form."""
    data = form.cleaned_data
    change = EntryChange(
        entry.indicator.code, owner=data["owner"], due=data["due"] or "", note=data["note"]
    )
    revision = assessment.revision
    for _attempt in range(2):
        if meta_seen(entry) != data["seen"]:
            _moved(form, entry)
            return False
        try:
            count = save_self_inputs(assessment, [change], request.user, expected_revision=revision)
        except ConflictError as error:
            revision = error.revision
            entry.refresh_from_db(fields=["owner", "due", "note"])
        except NotAllowed as error:
            raise PermissionDenied from error
        except CollectionError as error:
            for message in error.messages:
                form.add_error(None, message)
            return False
        else:
            return count > 0
    form.add_error(None, _("Bản đánh giá vừa được cập nhật liên tục; hãy lưu lại."))
    return False


def _moved(form: EntryMetaForm, entry: Entry) -> None:
    """Someone changed the three values meanwhile: say what is stored now and keep what the
    user typed; the form now counts the stored values as seen, so saving again overwrites."""
    # One value per box (a QueryDict unpacked with ** would give its lists).
    form.data = {**{k: form.data.get(k) for k in form.data}, "seen": meta_seen(entry)}
    empty = _("(trống)")
    stored = "; ".join(
        [
            _("Phụ trách: %(v)s") % {"v": entry.owner or empty},
            _("Hạn xử lý: %(v)s") % {"v": vn_date(entry.due) or empty},
            _("Ghi chú: %(v)s") % {"v": entry.note or empty},
        ]
    )
    form.add_error(
        None,
        _(
            "Người khác vừa sửa các ô này; chưa có gì bị ghi đè. Đang lưu — %(s)s."
            " Bấm Lưu lần nữa để ghi giá trị của bạn."
        )
        % {"s": stored},
    )


def _focus_first_error(form: EntryMetaForm) -> None:
    """After the swap, the keyboard is on the box to fix (htmx honours autofocus)."""
    name = next((n for n in form.errors if n in form.fields), None)
    if name is not None:
        form.fields[name].widget.attrs["autofocus"] = True


def _block(
    request: HttpRequest,
    assessment: Assessment,
    entry_id: int,
    form: EntryMetaForm | None,
    status: str,
) -> HttpResponse:
    """The leaf's owner / due date / note block, the new revision and a status line."""
    assessment.refresh_from_db(fields=["revision", "status"])
    leaf = build_sheet(assessment, request.user).leaf(entry_id)
    if leaf is not None and form is not None:
        leaf.meta_bound = form
    context = {"a": assessment, "leaf": leaf, "status": status}
    return no_store(render(request, "assessments/_entry_meta_response.html", context))
