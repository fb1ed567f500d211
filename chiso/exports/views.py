"""Excel round trip pages: download the template, upload it back (preview → commit), and the
tracking-sheet import. Parsed uploads wait in the user's session (server-side, in the
database) between preview and commit, keyed by assessment; the commit must name the
checksum it previewed, and a revision that moved in between is a conflict."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.collection.models import Assessment
from chiso.collection.services import CollectionError
from chiso.collection.workflow import NotAllowed
from chiso.exports import sheetimport, tasks, upload
from chiso.exports.template import CONTENT_TYPE, build_template, file_name
from chiso.lib import safe_files


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    query = Assessment.objects.select_related("unit", "period", "version__framework")
    return access.get_visible_or_404(query, request.user, pk=pk)


@login_required
@require_GET
def template(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    response = HttpResponse(build_template(assessment), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name(assessment)}"'
    return response


def _read_file(request: HttpRequest) -> tuple[bytes, str]:
    uploaded = request.FILES.get("file")
    if uploaded is None:
        raise CollectionError([_("Hãy chọn tệp để tải lên.")])
    try:  # before a byte is read into memory; a template of 1,000 indicators is ~100 KB
        limit = safe_files.limit("CHISO_IMPORT_MAX_MB")
        safe_files.check_size(uploaded.size, uploaded.name or "", limit)
    except safe_files.UnsafeFile as exc:
        raise CollectionError([str(exc)]) from exc
    return uploaded.read(), uploaded.name or ""


def _session_key(kind: str, assessment: Assessment) -> str:
    return f"chiso.exports.{kind}.{assessment.pk}"


def _take(request: HttpRequest, key: str) -> dict[str, Any] | None:
    """The stored preview if the posted checksum matches it (not a stale tab's)."""
    stored: dict[str, Any] | None = request.session.get(key)
    if stored is None or stored.get("checksum") != request.POST.get("checksum"):
        return None
    return stored


@login_required
@require_http_methods(["GET", "POST"])
def upload_template(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    if not access.has_role(request.user, assessment.unit, Role.REPORTER):
        raise PermissionDenied
    key = _session_key("upload", assessment)
    context: dict[str, Any] = {"assessment": assessment, "kind": "upload"}
    if request.method == "POST" and "commit" in request.POST:
        return _commit(request, assessment, key, context, upload.commit)
    if request.method == "POST":
        try:
            data, _name = _read_file(request)
            result = upload.preview(assessment, data)
        except CollectionError as exc:
            return _page(request, {**context, "problems": exc.messages}, status=400)
        if result.ok and result.changes:
            request.session[key] = result.to_session()
        context.update(preview=result, changes=result.changes, errors=result.errors)
        return _page(request, context, status=200 if result.ok else 400)
    return _page(request, context)


def _commit(
    request: HttpRequest, assessment: Assessment, key: str, context: dict[str, Any], run: Any
) -> HttpResponse:
    stored = _take(request, key)
    if stored is None:
        problems = [_("Không còn bản xem trước này; hãy tải tệp lên lại.")]
        return _page(request, {**context, "problems": problems}, status=400)
    try:
        changed = run(assessment, stored, request.user)
    except NotAllowed as exc:
        raise PermissionDenied from exc
    except CollectionError as exc:
        request.session.pop(key, None)
        return _page(request, {**context, "problems": exc.messages}, status=409)
    request.session.pop(key, None)
    messages.success(request, _("Đã ghi %(n)s chỉ tiêu.") % {"n": changed})
    return redirect(request.path)


def _commit_later(
    request: HttpRequest, assessment: Assessment, key: str, stored: dict[str, Any]
) -> HttpResponse:
    """A big sheet is written by the worker; the user watches its progress page."""
    job = tasks.request_sheet_commit(request.user, assessment, stored)  # type: ignore[arg-type]
    request.session.pop(key, None)
    return redirect("reports:job", pk=job.pk)


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "exports/upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    context: dict[str, Any] = {"assessment": assessment, "kind": "sheet"}
    try:
        sheetimport.require_importer(request.user, assessment)  # type: ignore[arg-type]
    except NotAllowed as exc:
        raise PermissionDenied from exc
    except CollectionError as exc:
        return _page(request, {**context, "problems": exc.messages}, status=400)
    key = _session_key("sheet", assessment)
    if request.method == "POST" and "commit" in request.POST:
        stored = _take(request, key)
        if stored is not None and tasks.is_big(stored):
            return _commit_later(request, assessment, key, stored)
        return _commit(request, assessment, key, context, sheetimport.commit_sheet)
    if request.method == "POST":
        try:
            data, name = _read_file(request)
            result = sheetimport.preview_sheet(assessment, data, name)
        except CollectionError as exc:
            return _page(request, {**context, "problems": exc.messages}, status=400)
        if result.changes:
            request.session[key] = result.to_session()
        context.update(preview=result, changes=result.changes)
    return _page(request, context)
