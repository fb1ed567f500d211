"""Shared fixtures: real frameworks loaded from the shipped files, real units."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from chiso.frameworks.models import Framework, FrameworkVersion
from chiso.frameworks.services import DATA_DIR, load_framework
from chiso.lib.testing.plugin import (  # noqa: F401 (hooks: the reliability summary)
    pytest_sessionfinish,
    pytest_terminal_summary,
)
from chiso.org.models import Unit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

DEMO_DATA = Path(__file__).parent / "demo" / "data"


def load_version(name: str) -> FrameworkVersion:
    result = load_framework(DATA_DIR / name, actor="test")
    version = Framework.objects.get(code=result.framework_code).latest_version()
    assert version is not None
    return version


@pytest.fixture
def tayninh(db: None) -> FrameworkVersion:
    return load_version("tayninh-commune-2026.yaml")


@pytest.fixture
def dti2022(db: None) -> FrameworkVersion:
    return load_version("dti-province-2022.yaml")


@pytest.fixture
def can_giuoc(db: None) -> Unit:
    province = Unit.objects.create(code="tay-ninh", kind="province", name="Tỉnh Tây Ninh")
    return Unit.objects.create(
        code="tay-ninh.xa-can-giuoc",
        kind="commune",
        subtype="xã",
        name="Xã Cần Giuộc",
        parent=province,
        valid_from=dt.date(2025, 7, 1),
    )


@pytest.fixture
def sample_sheet() -> Path:
    return DEMO_DATA / "cangiuoc-2025-assessment.csv"


# --- Browser tests: Playwright driving Debian's Chromium -------------------------------------

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
# Without these, Chromium tries Google's services at every start and this closed network
# refuses them, slowly.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the session.

    Playwright's sync API keeps an event loop running in this thread for as long as the
    browser lives, so Django's async-safety check would refuse every later database call of
    the session (the tests' own, plain synchronous calls): allow them while it runs.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A fresh browser tab (Vietnamese locale) against the live test server."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def login(page: Page, live_server: Any, username: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def htmx_settled(page: Page, target: str, marker: str) -> None:
    """Wait until htmx has swapped a new fragment into `target` *and* wired it.

    htmx pushes a new address before it swaps, so the address proves nothing; `marker` (a
    selector inside `target` that only the new fragment matches) proves the swap. htmx wires
    the new elements (their hx-trigger) only when it settles, after the swap: a choice made
    before then is silently dropped. The target carries htmx-settling until then."""
    from playwright.sync_api import expect

    page.locator(f"{target} {marker}").first.wait_for(state="attached")
    expect(page.locator(target)).not_to_have_class(re.compile(r"htmx-(swapping|settling)"))


def shot(page: Page, name: str) -> Path:
    """Keep a full-page screenshot under var/screenshots/ (CI keeps it as an artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
