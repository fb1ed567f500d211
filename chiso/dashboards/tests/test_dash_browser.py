"""The dashboard, a scorecard and the portal in a real browser, on the demo province."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chiso.conftest import login, shot
from chiso.demo.builder import DEMO_PASSWORD, build
from chiso.org.models import PeerGroup


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_leader_reads_the_dashboard_filters_a_group_and_the_public_sees_the_portal(
    page: Any, live_server: Any
) -> None:
    build(progress=lambda _text: None)
    login(page, live_server, "lanhdao", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    title = "Bảng điều hành chuyển đổi số — Tỉnh Nghệ An"
    assert page.get_by_role("heading", name=title).is_visible()
    assert page.get_by_text("52/63").first.is_visible()
    page.wait_for_selector("#ranking [data-drawn] svg")  # ECharts drew the ranking
    assert page.locator("[data-drawn]").count() >= 5
    shot(page, "dashboard-leader")

    page.get_by_label("Bộ chỉ số, kỳ").select_option("nghean-department-example:2025")
    # The old table already has a chart: wait for the swap itself (it pushes the new address)
    # before touching the form it replaces, or the group choice lands on a discarded form.
    page.wait_for_url(re.compile(r"c=nghean-department-example"))
    page.wait_for_selector("#ranking [data-drawn] svg")
    page.get_by_label("Nhóm xếp hạng").select_option("nghe-an.so-nhom-a")
    members = PeerGroup.objects.get(code="nghe-an.so-nhom-a").members.count()
    rows = page.locator("#ranking table.ranking tbody tr")
    rows.nth(members - 1).wait_for()
    page.wait_for_function(
        f"document.querySelectorAll('#ranking table.ranking tbody tr').length === {members}"
    )
    assert "group=nghe-an.so-nhom-a" in page.url  # the filter is in the address, shareable
    page.reload()
    assert rows.count() == members
    shot(page, "dashboard-ranking-group-a")

    rows.first.get_by_role("link").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Từng chỉ tiêu: số liệu → cách tính → điểm").count()
    page.wait_for_selector("[data-drawn] svg")
    shot(page, "scorecard-department")

    page.get_by_role("button", name="Đăng xuất").click()
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/portal/")
    assert "Năm 2025" not in page.locator("main section").first.inner_text()
    page.get_by_role("link", name="cấp xã tỉnh Nghệ An (VÍ DỤ MINH HOẠ) — Năm 2024").click()
    page.wait_for_selector("[data-drawn] svg")
    shot(page, "portal-ranking-2024")
    page.locator("td.name a").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("columnheader", name="Minh chứng công khai").is_visible()
    assert page.get_by_role("columnheader", name="Thẩm định", exact=True).count() == 0
    shot(page, "portal-unit-2024")
