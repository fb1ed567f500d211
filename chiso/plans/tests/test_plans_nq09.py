"""The demo's Nghị quyết 09-NQ/TU agrees with the October 2023 report: 8/11, 2/6, 1/3."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from chiso.org.models import Unit
from chiso.plans import queries
from chiso.plans.choices import Pillar
from chiso.plans.demo import load_demo
from chiso.plans.models import Document, Objective, Occurrence, Task

OCTOBER_2023 = dt.datetime(2023, 10, 31, 9, 0)
EXPECTED = {Pillar.GOVERNMENT: (8, 11), Pillar.ECONOMY: (2, 6), Pillar.SOCIETY: (1, 3)}


@pytest.fixture
def demo(province: Unit) -> Document:
    for code in ("h-bac-giang", "h-dak-nong"):
        Unit.objects.create(code=code, kind="province", name=code)
    load_demo("test")
    return Document.objects.get(number="09-NQ/TU")


def _pillars(doc: Document, today: dt.date) -> dict[str, tuple[int, int]]:
    found = queries.met_by_pillar(doc, today, 2025)
    return {p: found[p] for p in EXPECTED}


@pytest.mark.django_db
def test_the_service_counts_8_of_11_2_of_6_and_1_of_3_objectives_met_in_october_2023(
    demo: Document,
) -> None:
    with time_machine.travel(OCTOBER_2023, tick=False):
        assert _pillars(demo, dt.date(2023, 10, 31)) == EXPECTED


@pytest.mark.django_db
def test_met_objectives_stay_met_after_the_deadline_while_the_rest_are_missed(
    demo: Document,
) -> None:
    assert _pillars(demo, dt.date(2026, 3, 1)) == EXPECTED


@pytest.mark.django_db
def test_the_resolution_page_shows_8_11_2_6_and_1_3(demo: Document, leader: User) -> None:
    client = Client()
    client.force_login(leader)
    with time_machine.travel(OCTOBER_2023, tick=False):
        html = client.get(reverse("plans:document", args=[demo.pk])).content.decode()
    section_2025 = html.split('id="h-2025"')[1].split('id="h-2030"')[0]
    cells = dict(re.findall(r'data-pillar="(\w+)">(\d+/\d+)<', section_2025))
    assert cells["government"] == "8/11"
    assert cells["economy"] == "2/6"
    assert cells["society"] == "1/3"
    assert "Chính quyền số" in html and "Mục tiêu đến năm 2030" in html


@pytest.mark.django_db
def test_one_statement_with_three_levels_is_one_objective_with_three_targets(
    demo: Document,
) -> None:
    statement = Objective.objects.get(document=demo, text__startswith="90% hồ sơ công việc")
    scopes = list(statement.targets.values_list("scope", "value"))
    assert scopes == [("province", 90.0), ("district", 80.0), ("commune", 60.0)]


@pytest.mark.django_db
def test_the_demo_loads_the_three_directives_and_plans_as_structured_tasks(
    demo: Document,
) -> None:
    assert Task.objects.filter(document__province__code="nghe-an").count() == 32
    assert Task.objects.filter(document__number="2663/KH-UBND").count() == 31
    assert Task.objects.filter(document__province__code="h-dak-nong").count() == 16
    finance = Task.objects.get(lead_text="Sở Tài chính", recurrence="yearly")
    assert list(finance.leads.values_list("code", flat=True)) == ["nghe-an.so-tai-chinh"]
    news = Task.objects.get(text__contains="ít nhất 20 tin, bài/năm")
    assert (news.recurrence, news.quota) == ("weekly", 20)


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_nothing(demo: Document) -> None:
    before = (Document.objects.count(), Task.objects.count(), Occurrence.objects.count())
    load_demo("test")
    assert (Document.objects.count(), Task.objects.count(), Occurrence.objects.count()) == before
