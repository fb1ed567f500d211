"""An indicator's owner ("Phụ trách"), due date ("Hạn xử lý") and note, set in a real browser by
the unit's reporter on a draft assessment: the block swaps in place by htmx and shows what was
saved; an impossible date is refused beside its box, with the keyboard left on it, and nothing
is stored. No console error and no Content-Security-Policy violation along the way.

The date box is Chromium's own date widget: it lets one type 31/02 but then holds no value
(`badInput`) and the browser refuses to submit the form, so the server never sees it. The
server's own message is for a browser without a date picker, where the box is plain text.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from chiso.accounts.models import AuditEvent
from chiso.collection.models import Assessment, Entry
from chiso.conftest import login, shot
from chiso.dashboards.tests.test_assessment_fixtures import PASSWORD, Cast
from chiso.dashboards.tests.test_csp_browser import Watch

MARKER = "() => window.__samePage === 'chưa tải lại'"


def widget_order(page: Page, pk: int) -> str:
    """The order the date widget takes its parts in ("dmy" or "mdy"): it follows the browser's
    own language, not the page's. Found by typing 01 02 2025 once, then cleared."""
    due = page.locator(f"#meta-{pk}-due")
    page.locator(f"#meta-{pk}-owner").press("Tab")  # onto the widget's first part
    page.keyboard.type("01022025")
    typed = due.input_value()
    due.fill("")
    order = {"2025-02-01": "dmy", "2025-01-02": "mdy"}.get(typed)
    assert order is not None, f"unexpected date widget order: {typed!r}"
    return order


def type_date(page: Page, pk: int, order: str, day: str, month: str, year: str) -> None:
    """Tab from the owner box into the date widget and type the date as a person would."""
    page.locator(f"#meta-{pk}-due").fill("")
    page.locator(f"#meta-{pk}-owner").press("Tab")
    page.keyboard.type(day + month + year if order == "dmy" else month + day + year)


def stored(pk: int) -> tuple[str, dt.date | None, str]:
    entry = Entry.objects.get(pk=pk)
    return entry.owner, entry.due, entry.note


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_reporter_sets_owner_due_date_and_note_in_place_and_an_impossible_date_is_refused(
    page: Page, live_server: Any, tmp_path: Path
) -> None:
    cast = Cast(tmp_path)
    # The test thread stays off the database while the server answers (SQLite shares it).
    pk = cast.entry("2.1").pk
    other = cast.entry("1.1").pk
    revision = cast.mine.revision
    watch = Watch(page)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    posts: list[str] = []
    page.on(
        "request",
        lambda r: posts.append(r.url) if r.method == "POST" and "/meta/" in r.url else None,
    )

    login(page, live_server, "reporter", PASSWORD)
    watch.visit(f"{live_server.url}/assessments/{cast.mine.pk}/")
    page.evaluate("() => { window.__samePage = 'chưa tải lại'; }")
    block = page.locator(f"#meta-{pk}")
    owner, due, note = (page.locator(f"#meta-{pk}-{name}") for name in ("owner", "due", "note"))
    expect(owner).to_be_hidden()  # folded away until asked for
    block.get_by_text("Sửa phụ trách, hạn xử lý, ghi chú").click()
    expect(due).to_have_attribute("type", "date")
    order = widget_order(page, pk)

    # 1. Owner, a due date and a note, saved in place.
    owner.fill("Nguyễn Văn An")
    type_date(page, pk, order, "30", "09", "2025")
    expect(due).to_have_value("2025-09-30")
    note.fill("Chờ Văn phòng gửi số liệu")
    with page.expect_response(lambda r: r.url.endswith(f"/leaf/{pk}/meta/")) as r:
        block.get_by_role("button", name="Lưu (2.1)").click()
    assert r.value.status == 200
    expect(page.locator("#autosave-status")).to_have_text(
        "Đã lưu phụ trách, hạn xử lý, ghi chú của 2.1."
    )
    assert page.evaluate(MARKER)  # swapped by htmx: the page was not loaded again
    expect(block.locator(".owner")).to_have_text("Nguyễn Văn An")
    expect(block.locator(".due")).to_have_text("30/09/2025")
    expect(block.locator(".note")).to_have_text("Ghi chú: Chờ Văn phòng gửi số liệu")
    expect(block.locator("details.edit-meta")).not_to_have_attribute("open", "")
    expect(page.locator("#assessment-rev")).to_have_value(str(revision + 1))
    saved = ("Nguyễn Văn An", dt.date(2025, 9, 30), "Chờ Văn phòng gửi số liệu")
    assert stored(pk) == saved
    assert stored(other) == ("", None, "")
    rows = AuditEvent.objects.filter(action="entry.update", object_id=str(pk))
    assert [(row.actor, row.new["owner"], row.new["due"]) for row in rows] == [
        (cast.reporter, "Nguyễn Văn An", "2025-09-30")
    ]

    # 2. 31/02/2025 typed into the date widget: the browser refuses to send the form.
    block.get_by_text("Sửa phụ trách, hạn xử lý, ghi chú").click()
    expect(owner).to_have_value("Nguyễn Văn An")  # the form drawn again with what is stored
    owner.fill("Người khác")
    note.fill("Không được lưu")
    type_date(page, pk, order, "31", "02", "2025")
    assert due.evaluate("e => e.validity.badInput && e.value === ''")
    block.get_by_role("button", name="Lưu (2.1)").click()
    expect(due).to_be_focused()
    assert due.evaluate("e => e.validationMessage") != ""  # the browser's bubble beside it
    expect(page.locator("#autosave-status")).to_contain_text("Đã lưu phụ trách")
    assert page.evaluate(MARKER)
    assert stored(pk) == saved

    # 3. The same in a browser without a date picker (a plain text box): the server refuses.
    due.evaluate("e => { e.type = 'text'; }")
    due.fill("31/02/2025")
    with page.expect_response(lambda r: r.url.endswith(f"/leaf/{pk}/meta/")) as r:
        block.get_by_role("button", name="Lưu (2.1)").click()
    assert r.value.status == 200
    beside = block.locator(".field", has=due).locator(f"#meta-{pk}-due_error")
    expect(beside).to_have_text(
        "Hạn xử lý: không phải ngày có thật; hãy nhập dạng dd/mm/yyyy, ví dụ 30/9/2025."
    )
    expect(beside).to_be_visible()
    expect(page.locator("#autosave-status")).to_have_text(
        "Chưa lưu 2.1: xem thông báo bên cạnh các ô."
    )
    expect(due).to_be_focused()
    expect(due).to_have_attribute("aria-invalid", "true")
    expect(due).to_have_attribute("aria-describedby", re.compile(rf"\bmeta-{pk}-due_error\b"))
    expect(block.locator("details.edit-meta")).to_have_attribute("open", "")
    expect(owner).to_have_value("Người khác")  # what was typed is still there
    expect(note).to_have_value("Không được lưu")
    expect(block.locator(".owner")).to_have_text("Nguyễn Văn An")  # the stored values above
    expect(block.locator(".due")).to_have_text("30/09/2025")
    assert page.evaluate(MARKER)
    assert stored(pk) == saved
    assert Assessment.objects.get(pk=cast.mine.pk).revision == revision + 1
    assert AuditEvent.objects.filter(action="entry.update", object_id=str(pk)).count() == 1
    assert len(posts) == 2  # the save and the plain-text try: the picker's 31/02 never left

    watch.checked()
    assert errors == []
    assert watch.violations == []
    # Only now: a screenshot leaves style="" on the inputs, which htmx (it settles the style
    # attribute) would copy onto the next swap's inputs, a violation of style-src-attr.
    shot(page, "entry-meta-impossible-date")
