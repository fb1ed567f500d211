"""Writes and lookups of personal API tokens (each write leaves an audit row)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.accounts.services import record
from chiso.api.models import ApiToken

PREFIX = "chiso_"
# Writing last_used_at on every request would make each read a write; once a minute is
# enough to tell a live token from a forgotten one.
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be created (message in Vietnamese)."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


def digest(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is safe: there is nothing to brute-force,
    # and a slow one (argon2) would cost every API request tens of milliseconds.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(user: AbstractBaseUser, name: str) -> NewToken:
    """A new token for `user`. Raises TokenError when the name is empty or already used."""
    name = name.strip()
    if not name:
        raise TokenError(_("Hãy đặt tên cho mã truy cập (ví dụ: “báo cáo tự động”)."))
    if ApiToken.objects.filter(user_id=user.pk, name=name, revoked_at__isnull=True).exists():
        raise TokenError(_("Bạn đã có mã truy cập tên “%(n)s”.") % {"n": name})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user_id=user.pk, name=name, prefix=secret[: len(PREFIX) + 6], digest=digest(secret)
    )
    record(user, "api_token.create", token, new={"name": name, "prefix": token.prefix})
    return NewToken(token, secret)


@transaction.atomic
def revoke_token(user: AbstractBaseUser, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; Http404 for anyone else's (or a missing one)."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user_id=user.pk).first()
    if token is None:
        raise Http404
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(user, "api_token.revoke", token, old={"active": True}, new={"active": False})
    return token


def user_for(secret: str) -> AbstractBaseUser | None:
    """The active user behind an active token, or None."""
    if not secret.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    _touch(token)
    return token.user


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def tokens_of(user: AbstractBaseUser | AnonymousUser) -> list[ApiToken]:
    if not user.is_authenticated:
        return []
    return list(ApiToken.objects.filter(user_id=user.pk))
