"""The Content-Security-Policy holds in a real browser: the main pages of the demo province
load without a single violation, and what needs JavaScript still works under it — the charts
draw, the dashboard's filters swap by htmx, the assessment form saves as one types, Swagger UI
renders the API docs.

A violation is caught twice: by a `securitypolicyviolation` listener installed before any
page script runs (it records each one on `window` and reports it to the test), and by the
console messages Chromium writes for each refusal.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from chiso.collection.choices import AssessmentStatus
from chiso.collection.models import Assessment
from chiso.conftest import htmx_settled, login
from chiso.demo.builder import DEMO_PASSWORD, build
from chiso.lib.testing import ledger

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var text = e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " +
    e.sourceFile + ":" + e.lineNumber + " " + (e.sample || "");
  window.__cspViolations.push(text);
  window.reportCspViolation(location.pathname + ": " + text);
});
"""


PLANS = ("/plans/", "/plans/van-ban/", "/plans/chi-tieu/", "/plans/qua-han/", "/plans/lich/")
OTHERS = ("/assessments/", "/reports/", "/api/tokens/")


class Watch:
    """Every CSP violation and refusal message of a tab, and the pages it checked."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.violations: list[str] = []
        self.pages: list[str] = []
        page.context.expose_function("reportCspViolation", self._report)
        page.context.add_init_script(LISTENER)
        page.on("console", self._console)

    def _report(self, text: str) -> None:
        self.violations.append(text)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"console: {message.text}")

    def visit(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        self.checked()

    def checked(self) -> None:
        """The page as it is now: its charts drawn, nothing refused."""
        boxes = self.page.locator("[data-echart]")
        expect(self.page.locator("[data-echart][data-drawn] svg")).to_have_count(boxes.count())
        on_window = self.page.evaluate("() => window.__cspViolations || []")
        self.violations += [v for v in on_window if not any(v in seen for seen in self.violations)]
        self.pages.append(self.page.url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_run_under_the_content_security_policy_without_a_violation(
    page: Page, live_server: Any
) -> None:
    build(progress=lambda _text: None)
    watch = Watch(page)
    leader_pages(watch, live_server)
    reporter_autosaves(watch, live_server)
    public_pages(watch, live_server.url)
    assert watch.violations == []
    assert len(watch.pages) >= 15
    ledger.attack("CSP violation check (browser)", len(watch.pages))


def leader_pages(watch: Watch, server: Any) -> None:
    page, base = watch.page, server.url
    login(page, server, "lanhdao", DEMO_PASSWORD)
    watch.visit(f"{base}/")
    expect(page.locator("#ranking [data-drawn] svg")).to_have_count(1)
    # An htmx swap: another framework redraws the ranking and pushes its address.
    page.get_by_label("Bộ chỉ số, kỳ").select_option("nghean-department-example:2025")
    page.wait_for_url(re.compile(r"c=nghean-department-example"))
    htmx_settled(page, "#ranking", 'select[name="group"] option[value="nghe-an.so-nhom-a"]')
    watch.checked()
    page.locator("#ranking table.ranking tbody tr").first.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    assert "/units/" in page.url
    watch.checked()
    for path in (
        "/plans/",
        "/plans/van-ban/",
        "/plans/chi-tieu/",
        "/plans/qua-han/",
        "/plans/lich/",
    ):
        watch.visit(base + path)
    watch.visit(f"{base}/plans/van-ban/")
    page.locator("main table a[href*='/plans/van-ban/']").first.click()
    page.wait_for_load_state("networkidle")
    watch.checked()
    watch.visit(f"{base}/api/docs")
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible()
    watch.checked()
    page.context.clear_cookies()


def reporter_autosaves(watch: Watch, server: Any) -> None:
    page, base = watch.page, server.url
    mine = Assessment.objects.get(unit__code="tay-ninh.xa-can-giuoc", period__code="2025")
    assert mine.status == AssessmentStatus.DRAFT
    login(page, server, "cangiuoc", DEMO_PASSWORD)
    watch.visit(f"{base}/assessments/{mine.pk}/")
    box = page.locator("fieldset.inputs input[type=text]").first
    with page.expect_response(lambda r: "/leaf/" in r.url and r.request.method == "POST") as sent:
        box.fill("3")
        box.press("Tab")
    assert sent.value.status == 200
    # The answer swapped in: the status line says what happened to this indicator.
    expect(page.locator("#autosave-status")).not_to_be_empty()
    watch.checked()
    page.context.clear_cookies()


def public_pages(watch: Watch, base: str) -> None:
    page = watch.page
    watch.visit(f"{base}/portal/")
    page.locator("main a[href^='/portal/']").first.click()
    page.wait_for_load_state("networkidle")
    watch.checked()
    page.locator("td.name a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("columnheader", name="Minh chứng công khai").is_visible()
    watch.checked()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_injected_inline_script_and_style_are_refused_and_seen(
    page: Page, live_server: Any
) -> None:
    watch = Watch(page)
    watch.visit(f"{live_server.url}/portal/")
    # What an injection would add to a page: an inline script, a style attribute.
    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__ran = true";
          document.body.append(s);
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
        }"""
    )
    expect(page.locator("p[style]")).to_have_count(1)
    # The violation events are dispatched asynchronously.
    page.wait_for_function("() => window.__cspViolations.length >= 2")
    assert page.evaluate("() => window.__ran === undefined")
    refused = " ".join(watch.violations)
    assert "script-src" in refused
    assert "style-src" in refused
