"""`{% may_publish as flag %}`: whether the menu offers the publishing page to this user."""

from __future__ import annotations

from typing import Any

from django import template

from chiso.dashboards import publishing

register = template.Library()


@register.simple_tag(takes_context=True)
def may_publish(context: Any) -> bool:
    user = context.get("user")
    return user is not None and publishing.may_publish(user)
