"""The personal-token page: list, create (the token is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chiso.api import tokens


@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request: HttpRequest) -> HttpResponse:
    created = None
    if request.method == "POST":
        if "revoke" in request.POST:
            _revoke(request)
            return redirect("api:tokens")
        try:
            created = tokens.create_token(request.user, request.POST.get("name", ""))  # type: ignore[arg-type]
        except tokens.TokenError as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "api/tokens.html",
        {"tokens": tokens.tokens_of(request.user), "created": created},
        status=201 if created else 200,
    )


def _revoke(request: HttpRequest) -> None:
    try:
        token_id = int(request.POST["revoke"])
    except ValueError:
        token_id = 0
    token = tokens.revoke_token(request.user, token_id)  # type: ignore[arg-type]
    messages.success(request, _("Đã thu hồi mã “%(n)s”.") % {"n": token.name})
