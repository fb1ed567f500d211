"""The issue's browser test: paste the Nghệ An 2023 directive, accept the proposals, and its
tasks appear under their units with their deadlines."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from chiso.accounts.choices import Role
from chiso.conftest import login, shot
from chiso.org.models import Unit
from chiso.plans.models import Document
from chiso.plans.tests.test_import_services import (
    PASSWORD,
    SEED_000,
    ict_reporter_of,
    load_nghe_an,
    member,
)


@pytest.fixture
def nghe_an(db: None) -> Unit:
    return load_nghe_an()


@pytest.fixture
def province_admin(nghe_an: Unit) -> User:
    return member("quantri", nghe_an, Role.ADMIN)


@pytest.fixture
def ict_reporter(nghe_an: Unit) -> User:
    return ict_reporter_of(nghe_an)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_pastes_the_nghe_an_directive_and_its_tasks_land_on_their_units(
    page: Any, live_server: Any, province_admin: User, ict_reporter: User
) -> None:
    login(page, live_server, province_admin.username, PASSWORD)
    page.goto(f"{live_server.url}/plans/van-ban/")
    page.get_by_role("link", name="Nhập văn bản mới").click()
    page.get_by_label("Dán nội dung văn bản").fill(SEED_000.read_text(encoding="utf-8"))
    page.get_by_role("button", name="Đề xuất nhiệm vụ, chỉ tiêu").click()
    page.wait_for_load_state()

    assert page.locator("mark[id^=task-]").count() == 32
    assert page.get_by_label("Cơ quan ban hành").input_value() == "UBND tỉnh Nghệ An"
    page.locator("a[href='#task-6']").click()  # the proposal links to its source sentence
    assert page.locator("#task-6").inner_text().startswith("6Chỉ đạo Cổng thông tin điện tử")
    assert page.url.endswith("#task-6")
    shot(page, "plans-import-review")
    page.get_by_label("Trích yếu").fill("Triển khai nhiệm vụ trọng tâm về chuyển đổi số năm 2023")
    page.get_by_label("Ngày ban hành (dd/mm/yyyy)").fill("01/08/2023")
    page.get_by_role("button", name="Nhập vào kế hoạch").click()
    page.wait_for_load_state()

    assert page.get_by_text("Đã nhập văn bản: 32 nhiệm vụ").is_visible()
    tasks = page.get_by_role("table", name="Nhiệm vụ của văn bản")
    office = tasks.get_by_role("row").filter(has_text="hoàn thành trước ngày 30/9/2023")
    assert office.filter(has_text="Văn phòng UBND tỉnh").filter(has_text="30/09/2023").count() == 1
    assert (
        tasks.get_by_role("row")
        .filter(has_text="UBND các huyện, thành phố, thị xã")
        .filter(has_text="đơn vị")
        .count()
        >= 2
    )
    shot(page, "plans-import-document")
    doc = Document.objects.get()
    assert doc.tasks.count() == 32

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    login(page, live_server, ict_reporter.username, PASSWORD)
    page.goto(f"{live_server.url}/plans/")
    telecom = page.get_by_role("row").filter(has_text="phối hợp với các doanh nghiệp viễn thông")
    assert telecom.filter(has_text="Sở Thông tin và Truyền thông").count() == 1
    assert "31/12/2023" in telecom.inner_text()
    shot(page, "plans-import-my-tasks")
