"""The whole cycle in a real browser, as real users: a commune reporter fills and submits with
evidence, the unit head signs, the verifier corrects one figure, the admin returns one
indicator, the reporter fixes it, the admin approves, and the commune's new score and rank
appear on the assessment page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.models import Assessment
from chiso.conftest import login, shot
from chiso.dashboards.tests.test_assessment_fixtures import PASSWORD, Cast
from chiso.scoring.models import ScoreSnapshot

PKS: dict[str, int] = {}  # indicator code → entry id, read before the browser starts


def as_user(page: Page, live_server: Any, username: str) -> None:
    page.context.clear_cookies()
    login(page, live_server, username, PASSWORD)


def autosave(page: Page, cast: Cast, code: str, **inputs: str) -> None:
    """Type each input and leave the box, as a person would; wait for the saved status."""
    pk = PKS[code]
    for name, value in inputs.items():
        box = page.locator(f"#f-in-{pk}-{name}")
        with page.expect_response(lambda r: f"/leaf/{pk}/" in r.url):
            if box.evaluate("e => e.tagName") == "SELECT":
                box.select_option(value)
            else:
                box.fill(value)
                box.press("Tab")
        expect(page.locator("#autosave-status")).to_contain_text(f"Đã lưu {code}")


def open_assessment(page: Page, live_server: Any, cast: Cast, suffix: str = "") -> None:
    page.goto(f"{live_server.url}/assessments/{cast.mine.pk}/{suffix}")


def reporter_fills_and_submits(page: Page, live_server: Any, cast: Cast) -> None:
    as_user(page, live_server, "reporter")
    page.goto(f"{live_server.url}/assessments/")
    shot(page, "assessment-1-landing-reporter")
    page.get_by_role("link", name="Xã A").first.click()
    box = page.locator(f"#f-in-{PKS['2.1']}-count")
    box.fill("-3")
    box.press("Tab")
    expect(page.locator(f"#err-in-{PKS['2.1']}-count")).to_contain_text("không được âm")
    expect(box).to_have_attribute("aria-invalid", "true")
    autosave(page, cast, "1.1", numerator="90", denominator="100")
    autosave(page, cast, "1.2", value="1")
    autosave(page, cast, "1.3", percent="50,0")
    autosave(page, cast, "2.1", count="12")
    autosave(page, cast, "2.2", choice="chu-tich")
    plan = page.locator(f"#leaf-{PKS['1.2']}")
    plan.get_by_text("Thêm minh chứng").click()
    plan.get_by_label("Số hiệu").fill("12/KH-UBND")
    date = plan.get_by_label("Ngày ban hành")
    expect(date).to_have_attribute("type", "date")
    expect(date).to_have_attribute("min", "2024-01-01")  # the picker offers only the window
    date.evaluate("e => e.removeAttribute('min')")  # as a browser without range checks would
    date.fill("2022-02-01")  # what the date picker sends: years before the period
    plan.get_by_label("Người ký").fill("Chủ tịch UBND xã")
    plan.get_by_label("Trích yếu").fill("Kế hoạch chuyển đổi số năm 2025")
    plan.get_by_role("button", name="Thêm văn bản").click()
    # Swapped in place: the message beside the date, everything typed still there.
    expect(plan.locator(f"#ev-{PKS['1.2']}-issued_on_error")).to_contain_text("quá xa trước kỳ")
    expect(plan.get_by_label("Số hiệu")).to_have_value("12/KH-UBND")
    expect(plan.get_by_label("Trích yếu")).to_have_value("Kế hoạch chuyển đổi số năm 2025")
    expect(plan.get_by_label("Ngày ban hành")).to_be_focused()
    expect(page.locator("#autosave-status")).to_contain_text("Chưa gắn minh chứng cho 1.2")
    plan.get_by_label("Ngày ban hành").fill("2025-02-01")
    plan.get_by_role("button", name="Thêm văn bản").click()
    expect(plan.locator(".items")).to_contain_text("12/KH-UBND ngày 01/02/2025")
    shot(page, "assessment-2-filled-with-evidence")
    page.get_by_role("button", name="Gửi bản tự đánh giá").click()
    expect(page.locator(".meta .status")).to_have_text("Đã gửi")


def head_signs(page: Page, live_server: Any, cast: Cast) -> None:
    as_user(page, live_server, "head")
    page.goto(f"{live_server.url}/assessments/")
    expect(page.get_by_text("Chờ lãnh đạo đơn vị ký")).to_be_visible()
    open_assessment(page, live_server, cast)
    page.get_by_role("button", name="Lãnh đạo ký duyệt").click()
    expect(page.locator(".meta .status")).to_have_text("Lãnh đạo đã ký")


def verifier_corrects(page: Page, live_server: Any, cast: Cast) -> None:
    as_user(page, live_server, "verifier")
    page.goto(f"{live_server.url}/assessments/verify/")
    row = page.locator(f"#v-{PKS['1.1']}")
    row.get_by_text("Điều chỉnh", exact=True).click()
    row.get_by_label("Tử số").fill("75")
    row.get_by_label("Lý do điều chỉnh").fill("Theo hệ thống một cửa điện tử")
    shot(page, "assessment-3-verifier-corrects")
    row.get_by_role("button", name="Lưu số liệu điều chỉnh").click()
    expect(page.locator("ul.messages")).to_contain_text("Đã xác minh 1.1")


def admin_decides(
    page: Page, live_server: Any, cast: Cast, code: str, decision: str, comment: str = ""
) -> None:
    leaf = page.locator(f"#leaf-{PKS[code]}")
    leaf.get_by_role("radio", name=decision).check()
    if comment:
        leaf.get_by_label("Lý do / ý kiến").fill(comment)
    leaf.get_by_role("button", name="Ghi nhận").click()
    expect(page.locator("ul.messages")).to_contain_text(f"Đã thẩm định chỉ tiêu {code}")


def admin_reviews_and_returns_one(page: Page, live_server: Any, cast: Cast) -> None:
    as_user(page, live_server, "admin")
    page.goto(f"{live_server.url}/assessments/")
    page.get_by_role("link", name="Xã A").first.click()  # to the review page
    for code in ("1.1", "1.2", "1.3", "2.2"):
        admin_decides(page, live_server, cast, code, "Chấp nhận")
    admin_decides(page, live_server, cast, "2.1", "Trả lại", "Thiếu danh sách tin, bài")
    shot(page, "assessment-4-admin-returns-one")
    assert Assessment.objects.get(pk=cast.mine.pk).status == S.RETURNED


def reporter_fixes(page: Page, live_server: Any, cast: Cast) -> None:
    as_user(page, live_server, "reporter")
    page.goto(f"{live_server.url}/assessments/")
    expect(page.get_by_text("Thiếu danh sách tin, bài")).to_be_visible()
    page.get_by_role("link", name="2.1").click()
    autosave(page, cast, "2.1", count="15")
    page.get_by_role("button", name="Đã sửa xong, gửi thẩm định lại chỉ tiêu này").click()
    shot(page, "assessment-5-reporter-fixed")
    page.get_by_role("button", name="Gửi lại sau khi sửa").click()
    expect(page.locator(".meta .status")).to_have_text("Đã xác minh")


def admin_approves(page: Page, live_server: Any, cast: Cast) -> None:
    as_user(page, live_server, "admin")
    open_assessment(page, live_server, cast, "review/")
    admin_decides(page, live_server, cast, "2.1", "Chấp nhận")
    page.get_by_role("button", name="Phê duyệt kết quả").click()
    expect(page.locator(".meta .status")).to_have_text("Đã phê duyệt")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_whole_cycle_runs_in_the_browser_and_the_new_score_and_rank_appear(
    page: Page, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cast = Cast(tmp_path)
    # The test thread stays off the database while the server answers (SQLite shares it).
    PKS.update({code: cast.entry(code).pk for code in ("1.1", "1.2", "1.3", "2.1", "2.2")})
    reporter_fills_and_submits(page, live_server, cast)
    head_signs(page, live_server, cast)
    verifier_corrects(page, live_server, cast)
    admin_reviews_and_returns_one(page, live_server, cast)
    reporter_fixes(page, live_server, cast)
    admin_approves(page, live_server, cast)
    # 1.1 corrected to 75/100 of 30, 1.2 yes 10, 1.3 50 % of 20, 2.1 fixed to 15, 2.2 full 20.
    snap = ScoreSnapshot.objects.get(assessment=cast.mine, stage="final")
    assert snap.total == pytest.approx(22.5 + 10 + 10 + 15 + 20)
    assert snap.rank == 1
    open_assessment(page, live_server, cast)
    expect(page.locator("#total-final")).to_have_text("77,50")
    expect(page.locator("#rank-final")).to_contain_text("1 · chỉ số 0,7750")
    expect(page.locator("#since-approval")).to_contain_text("0 thay đổi")
    shot(page, "assessment-6-approved-score-and-rank")
