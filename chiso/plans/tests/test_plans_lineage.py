"""Tasks of units that merged or were renamed belong to the units they became.

The 2023 directive gave tasks to Sở Thông tin và Truyền thông, merged into Sở Khoa học và Công
nghệ on 1/3/2025, and to the districts, divided among the new communes on 1/7/2025 (the
lineage loaded from the real Nghệ An data).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from chiso.accounts.choices import Role
from chiso.org.models import Unit
from chiso.org.services import successors
from chiso.plans import access, queries, services
from chiso.plans.choices import DocumentKind, OccurrenceStatus
from chiso.plans.models import Document, Occurrence
from chiso.plans.services import TaskSpec
from chiso.plans.tests.conftest import person
from chiso.plans.tests.test_import_services import load_nghe_an

NOW = dt.datetime(2025, 9, 15, 9, 0)
TODAY = NOW.date()
ICT_OLD = "h-nghe-an.so-thong-tin-va-truyen-thong"
KHCN = "nghe-an.so-khoa-hoc-va-cong-nghe"


@pytest.fixture
def directive_2023(db: None) -> Document:
    province = load_nghe_an()
    doc = services.create_document(
        "test",
        province=province,
        kind=DocumentKind.DIRECTIVE,
        number="05/CT-UBND",
        issued_on=dt.date(2023, 8, 1),
        issuer="UBND tỉnh Nghệ An",
        title="Chỉ thị về chuyển đổi số (2023)",
    )
    for lead, text in [
        ("Sở Thông tin và Truyền thông", "Triển khai nền tảng số dùng chung"),
        ("Sở Tài chính", "Bố trí kinh phí chuyển đổi số"),
        ("UBND các huyện, thành phố, thị xã", "Rà soát hạ tầng mạng cấp huyện"),
    ]:
        spec = TaskSpec(text=text, lead_text=lead, deadline=dt.date(2023, 12, 31))
        services.assign_task("test", doc, spec)
    return doc


def _occurrence(doc: Document, text: str, unit: str = "") -> Occurrence:
    found = Occurrence.objects.select_related("unit").filter(task__document=doc, task__text=text)
    return found.get(unit__code=unit) if unit else found.get()


ANH_SON = "h-nghe-an.huyen-anh-son"


@pytest.mark.django_db
def test_the_2023_tasks_landed_on_the_units_valid_then(directive_2023: Document) -> None:
    ict = _occurrence(directive_2023, "Triển khai nền tảng số dùng chung")
    district = _occurrence(directive_2023, "Rà soát hạ tầng mạng cấp huyện", ANH_SON)
    assert ict.unit is not None and ict.unit.code == ICT_OLD
    assert district.unit is not None and district.unit.kind == "district"


@pytest.mark.django_db
def test_the_merged_departments_people_see_and_update_its_predecessors_tasks(
    directive_2023: Document,
) -> None:
    khcn_reporter = person("chuyenvien-skhcn", Unit.objects.get(code=KHCN), Role.REPORTER)
    ict = _occurrence(directive_2023, "Triển khai nền tảng số dùng chung")
    with time_machine.travel(NOW, tick=False):
        assert list(access.own_occurrences(khcn_reporter)) == [ict]
        assert access.can_update(khcn_reporter, ict)
        client = Client()
        client.force_login(khcn_reporter)
        html = client.get(reverse("plans:my_tasks")).content.decode()
        assert "Triển khai nền tảng số dùng chung" in html
        assert "Bố trí kinh phí" not in html
        response = client.post(
            reverse("plans:post_progress", args=[ict.pk]), {"note": "Đã triển khai 3 nền tảng"}
        )
        assert response.status_code == 302
        assert client.post(reverse("plans:complete", args=[ict.pk])).status_code == 302
    ict.refresh_from_db()
    assert ict.status == OccurrenceStatus.DONE and ict.updates.count() == 1


@pytest.mark.django_db
def test_a_new_commune_inherits_the_old_districts_task_and_others_do_not(
    directive_2023: Document,
) -> None:
    heir = person("chuyenvien-xa", Unit.objects.get(code="nghe-an.xa-anh-son"), Role.REPORTER)
    stranger = person(
        "chuyenvien-xa-khac", Unit.objects.get(code="nghe-an.xa-nghi-loc"), "reporter"
    )
    district = _occurrence(directive_2023, "Rà soát hạ tầng mạng cấp huyện", ANH_SON)
    with time_machine.travel(NOW, tick=False):
        assert list(access.own_occurrences(heir)) == [district]
        assert access.can_update(heir, district)
        assert ANH_SON not in access.own_occurrences(stranger).values_list("unit__code", flat=True)
        assert not access.can_update(stranger, district)
        client = Client()
        client.force_login(stranger)
        assert client.get(reverse("plans:occurrence", args=[district.pk])).status_code == 404


@pytest.mark.django_db
def test_before_the_merger_the_successor_inherits_nothing(directive_2023: Document) -> None:
    khcn_reporter = person("chuyenvien-skhcn", Unit.objects.get(code=KHCN), Role.REPORTER)
    with time_machine.travel(dt.datetime(2024, 6, 1, 9), tick=False):
        assert not access.own_occurrences(khcn_reporter).exists()


@pytest.mark.django_db
def test_the_batched_walk_finds_what_successors_finds_for_every_ended_unit(
    directive_2023: Document,
) -> None:
    ended = list(Unit.objects.filter(valid_to__isnull=False))
    assert len(ended) > 400  # old districts, communes, departments of Nghệ An
    for day in (dt.date(2024, 6, 1), dt.date(2025, 4, 1), TODAY):
        batched = queries.heirs_on(ended, day)
        for unit in ended:
            assert batched[unit.pk] == [u for u, _share in successors(unit, on=day)], unit.code


@pytest.mark.django_db
def test_the_overdue_list_costs_the_same_whatever_the_number_of_old_units(
    directive_2023: Document, django_assert_max_num_queries: Any
) -> None:
    leader = person("lanhdao", directive_2023.province, Role.LEADER)
    visible = access.visible_occurrences(leader)
    assert visible.filter(unit__kind="district").count() > 15
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(8):
        queries.overdue_by_unit(visible, TODAY)


@pytest.mark.django_db
def test_the_leaders_overdue_list_names_the_successor_and_the_former_unit(
    directive_2023: Document,
) -> None:
    leader = person("lanhdao", directive_2023.province, Role.LEADER)
    with time_machine.travel(NOW, tick=False):
        rows = queries.overdue_by_unit(access.visible_occurrences(leader), TODAY)
        by_name = {r.name: r for r in rows}
        khcn = by_name["Sở Khoa học và Công nghệ"]
        assert (khcn.overdue, khcn.formerly) == (1, ["Sở Thông tin và Truyền thông"])
        assert by_name["Sở Tài chính"].formerly == []
        communes = next(r for r in rows if r.formerly == ["Huyện Anh Sơn"])
        assert "Xã Anh Sơn" in communes.name and communes.overdue == 1
        client = Client()
        client.force_login(leader)
        html = client.get(reverse("plans:overdue")).content.decode()
    assert "Sở Khoa học và Công nghệ (trước đây: Sở Thông tin và Truyền thông)" in html
