"""A department works its task in a real browser; the leader's overdue list follows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from chiso.conftest import login, shot
from chiso.plans.models import Document, Occurrence
from chiso.plans.tests.conftest import PASSWORD

PDF = b"%PDF-1.4\n% bien ban nghiem thu\n"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_department_reports_progress_with_evidence_and_the_leaders_overdue_list_drops_it(
    page: Any,
    live_server: Any,
    directive: Document,
    owner: User,
    leader: User,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    assert {"Sở Nội vụ", "Sở Tài chính"} <= _overdue_units(leader)
    login(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server.url}/plans/")
    assert page.get_by_role("table", name="Quá hạn (1)").is_visible()
    page.get_by_role("link", name="Sở Tài chính bố trí kinh phí").click()

    page.get_by_label("Nội dung cập nhật").fill("Đã trình UBND tỉnh dự toán kinh phí năm 2026.")
    page.get_by_label("% hoàn thành").fill("80")
    page.get_by_label("Tệp minh chứng").set_input_files(
        {"name": "du-toan-2026.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Gửi cập nhật").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã ghi nhận cập nhật tiến độ.").is_visible()
    assert page.get_by_role("link", name="du-toan-2026.pdf").is_visible()

    page.get_by_role("button", name="Đánh dấu hoàn thành").click()
    page.wait_for_load_state()
    assert page.locator("#state").inner_text() == "Đã hoàn thành"
    shot(page, "plans-task-done")
    assert Occurrence.objects.get(task__lead_text="Sở Tài chính").status == "done"

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    login(page, live_server, leader.username, PASSWORD)
    page.goto(f"{live_server.url}/plans/qua-han/")
    by_unit = page.get_by_role("table", name="Quá hạn theo đơn vị")
    assert by_unit.get_by_role("rowheader", name="Sở Nội vụ").is_visible()
    assert by_unit.get_by_role("rowheader", name="Sở Tài chính").count() == 0
    shot(page, "plans-overdue-leader")
    after = _overdue_units(leader)
    assert "Sở Nội vụ" in after and "Sở Tài chính" not in after


def _overdue_units(leader: User) -> set[str]:
    client = Client()
    client.force_login(leader)
    html = client.get(reverse("plans:overdue")).content.decode()
    table = html.split("Quá hạn theo đơn vị")[1].split("</table>")[0]
    return set(re.findall(r'<th scope="row">([^<]+)</th>', table))
