"""Fixtures of the dashboards, portal and report tests: the demo province, named personas."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command

from chiso.demo.builder import build


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Tests rebuild the same demo after a flush that resets id sequences, so freshness
    # stamps repeat across tests; a real database never goes back in time.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """The demo, built once per module (what a new user gets), then cleaned up."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        build(progress=lambda _text: None)
        yield
        call_command("flush", interactive=False, verbosity=0)


def person(username: str) -> object:
    """A demo persona: lanhdao (leader), quantri (admin), kiemtra (auditor), nghiloc and
    taichinh (reporters of one unit each)."""
    return get_user_model().objects.get(username=username)
