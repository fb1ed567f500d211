"""The province admin edits and deletes objectives and targets after adding them.

Edits keep the measurements and audit old → new. A deletion is shown first (every target,
measurement and task link it takes), happens only on the confirming POST, and is refused when
what it takes changed since the page was shown, or when it would leave an objective without
targets. Everyone but the province's admin gets 404; anonymous visitors the login page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from chiso.accounts.models import AuditEvent
from chiso.plans import services
from chiso.plans.choices import Comparator, Pillar, Scope
from chiso.plans.models import Document, Measurement, Objective, Target, Task
from chiso.plans.services import Dependents, TargetSpec
from chiso.plans.tests.conftest import task_of


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _spec(value: float, scope: Scope) -> TargetSpec:
    return TargetSpec(
        metric="hồ sơ xử lý trên môi trường mạng",
        comparator=Comparator.AT_LEAST,
        value=value,
        unit="%",
        deadline=dt.date(2025, 12, 31),
        scope=scope,
    )


@pytest.fixture
def objective(directive: Document) -> Objective:
    """90% cấp tỉnh, 80% cấp huyện, 60% cấp xã: one objective, three targets."""
    return services.add_objective(
        "test",
        directive,
        pillar=Pillar.GOVERNMENT,
        text="90% hồ sơ cấp tỉnh, 80% cấp huyện, 60% cấp xã xử lý trên môi trường mạng",
        targets=[
            _spec(90, Scope.PROVINCE),
            _spec(80, Scope.DISTRICT),
            _spec(60, Scope.COMMUNE),
        ],
    )


@pytest.fixture
def lone(directive: Document, objective: Objective) -> Objective:
    """An objective with a single target, added after `objective`."""
    return services.add_objective(
        "test",
        directive,
        pillar=Pillar.SOCIETY,
        text="100% xã có điểm phục vụ bưu chính",
        targets=[_spec(100, Scope.COMMUNE)],
    )


def _target(objective: Objective, scope: Scope) -> Target:
    return objective.targets.get(scope=scope)


def _measured(objective: Objective) -> Target:
    """The district target, with two measurements and the finance department's task."""
    target = _target(objective, Scope.DISTRICT)
    for day, value, evidence in [(30, 55.0, "Báo cáo 12/BC"), (31, 62.5, "Báo cáo 88/BC")]:
        services.record_measurement(
            "test", target, value=value, measured_on=dt.date(2025, 3, day), evidence=evidence
        )
    task_of(target.objective.document, "Sở Tài chính").targets.add(target)
    return target


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _confirmation(client: Client, url: str) -> dict[str, Any]:
    """The counts the confirmation page sends back with its button."""
    response = client.get(url)
    assert response.status_code == 200
    initial: dict[str, Any] = response.context["form"].initial
    return initial


TARGET_FORM = {
    "metric": "hồ sơ xử lý trên môi trường mạng (cấp huyện)",
    "comparator": ">=",
    "value": "85",
    "unit": "%",
    "scope": "district",
    "deadline": "30/06/2026",
    "baseline_value": "40,5",
    "baseline_on": "31/12/2023",
}


# --- editing -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_edits_an_objective_and_the_audit_keeps_old_and_new(
    admin_user: User, objective: Objective
) -> None:
    client = _client(admin_user)
    url = reverse("plans:objective_edit", args=[objective.pk])
    assert "90% hồ sơ cấp tỉnh" in client.get(url).content.decode()
    response = client.post(url, {"pillar": "economy", "text": "Mục tiêu đã sửa"})
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:document", args=[objective.document_id])
    objective.refresh_from_db()
    assert (objective.pillar, objective.text) == ("economy", "Mục tiêu đã sửa")
    [event] = _events("plans.update_objective")
    assert event.actor == admin_user
    assert event.old["pillar"] == "government" and event.new["pillar"] == "economy"
    assert event.old["text"].startswith("90% hồ sơ") and event.new["text"] == "Mục tiêu đã sửa"
    assert objective.targets.count() == 3


@pytest.mark.django_db
def test_the_admin_edits_a_target_and_its_measurements_stay(
    admin_user: User, objective: Objective
) -> None:
    target = _measured(objective)
    client = _client(admin_user)
    response = client.post(reverse("plans:target_edit", args=[target.pk]), TARGET_FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:target", args=[target.pk])
    target.refresh_from_db()
    assert (target.value, target.deadline) == (85.0, dt.date(2026, 6, 30))
    assert (target.baseline_value, target.baseline_on) == (40.5, dt.date(2023, 12, 31))
    assert target.metric == TARGET_FORM["metric"]
    assert Measurement.objects.filter(target=target).count() == 2
    assert list(task_of(objective.document, "Sở Tài chính").targets.all()) == [target]
    [event] = _events("plans.update_target")
    assert event.old == {
        "metric": "hồ sơ xử lý trên môi trường mạng",
        "value": 80,
        "deadline": "2025-12-31",
        "baseline_value": None,
        "baseline_on": None,
    }
    assert event.new["deadline"] == "2026-06-30" and event.new["baseline_value"] == 40.5
    page = client.get(reverse("plans:target", args=[target.pk])).content.decode()
    assert "85,0 %" in page and "30/06/2026" in page and "40,5 (31/12/2023)" in page


@pytest.mark.django_db
def test_the_edit_form_shows_stored_values_as_typed_and_an_unchanged_save_writes_nothing(
    admin_user: User, objective: Objective
) -> None:
    """1.234 shown as "1.234" would be read back as one thousand two hundred thirty-four."""
    target = _target(objective, Scope.PROVINCE)
    services.update_target("test", target, value=1.234, unit="điểm")
    client = _client(admin_user)
    url = reverse("plans:target_edit", args=[target.pk])
    form = client.get(url).context["form"]
    shown = {name: form[name].value() for name in ("value", "deadline")}
    assert shown == {"value": "1,234", "deadline": "31/12/2025"}
    html = client.get(url).content.decode()
    assert 'value="1,234"' in html and 'value="31/12/2025"' in html
    before = AuditEvent.objects.count()
    data = {name: form[name].value() or "" for name in form.fields}
    assert client.post(url, data).status_code == 302
    target.refresh_from_db()
    assert target.value == 1.234
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_bad_target_values_are_refused_on_their_field_and_nothing_changes(
    admin_user: User, objective: Objective
) -> None:
    target = _target(objective, Scope.DISTRICT)
    client = _client(admin_user)
    url = reverse("plans:target_edit", args=[target.pk])
    cases = [
        ({"value": "tám mươi lăm"}, "value", "“tám mươi lăm” không phải là một số"),
        ({"deadline": "31/02/2026"}, "deadline", "Ngày 31/02/2026 không có trong lịch."),
        ({"baseline_on": ""}, "baseline_on", "Có giá trị gốc thì cần nhập ngày gốc."),
        ({"baseline_value": ""}, "baseline_value", "Có ngày gốc thì cần nhập giá trị gốc"),
        ({"baseline_on": "01/07/2026"}, "baseline_on", "Ngày gốc phải trước thời hạn"),
        ({"comparator": "!="}, "comparator", "!="),
    ]
    for change, field, message in cases:
        response = client.post(url, {**TARGET_FORM, **change})
        assert response.status_code == 200, change
        assert message in " ".join(response.context["form"].errors[field]), change
        assert message in response.content.decode(), change
    target.refresh_from_db()
    assert (target.value, target.baseline_on) == (80.0, None)
    assert not _events("plans.update_target")


@pytest.mark.django_db
def test_the_services_name_the_field_at_fault(objective: Objective) -> None:
    target = _target(objective, Scope.DISTRICT)
    with pytest.raises(ValidationError) as error:
        services.update_objective("test", objective, text="  ", pillar="khác")
    assert set(error.value.message_dict) == {"text", "pillar"}
    assert error.value.message_dict["text"] == ["Nội dung mục tiêu không được để trống."]
    with pytest.raises(ValidationError) as error:
        services.update_target("test", target, metric="", value=float("nan"), scope="tinh")
    assert set(error.value.message_dict) == {"metric", "value", "scope"}
    with pytest.raises(ValueError, match="objective"):
        services.update_target("test", target, objective=objective)
    target.refresh_from_db()
    assert target.value == 80.0 and not _events("plans.update_target")


@pytest.mark.django_db
def test_an_empty_objective_text_is_refused(admin_user: User, objective: Objective) -> None:
    url = reverse("plans:objective_edit", args=[objective.pk])
    response = _client(admin_user).post(url, {"pillar": "economy", "text": ""})
    assert response.status_code == 200 and response.context["form"].errors["text"]
    objective.refresh_from_db()
    assert objective.pillar == "government" and not _events("plans.update_objective")


# --- deleting ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_target_without_data_is_deleted_after_its_confirmation_page(
    admin_user: User, objective: Objective
) -> None:
    target = _target(objective, Scope.PROVINCE)
    client = _client(admin_user)
    url = reverse("plans:target_delete", args=[target.pk])
    page = client.get(url)
    assert "Xác nhận xoá chỉ tiêu" in page.content.decode()
    assert Target.objects.filter(pk=target.pk).exists()  # the GET deleted nothing
    response = client.post(url, _confirmation(client, url))
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:document", args=[objective.document_id])
    assert not Target.objects.filter(pk=target.pk).exists()
    assert list(objective.targets.values_list("scope", "position")) == [
        ("district", 0),
        ("commune", 1),
    ]
    [event] = _events("plans.delete_target")
    assert event.object_id == str(target.pk) and event.actor == admin_user
    assert event.old["value"] == 90 and event.old["measurements"] == []


@pytest.mark.django_db
def test_a_target_with_measurements_and_tasks_is_deleted_only_once_they_were_shown(
    admin_user: User, objective: Objective
) -> None:
    target = _measured(objective)
    task = task_of(objective.document, "Sở Tài chính")
    client = _client(admin_user)
    url = reverse("plans:target_delete", args=[target.pk])
    refused = client.post(url, {"targets": 0, "measurements": 0, "tasks": 0})
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "Chỉ tiêu có 2 số liệu đo và 1 nhiệm vụ liên kết." in html
    assert Measurement.objects.filter(target=target).count() == 2
    page = client.get(url).content.decode()
    for shown in ("31/03/2025: 62,5", "Báo cáo 88/BC", task.text, "giữ lại, chỉ bỏ liên kết"):
        assert shown in page
    confirmed = _confirmation(client, url)
    assert confirmed == {"targets": 0, "measurements": 2, "tasks": 1}
    assert client.post(url, confirmed).status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()
    assert not Measurement.objects.filter(target_id=target.pk).exists()
    assert Task.objects.filter(pk=task.pk).exists() and not task.targets.exists()
    assert task.occurrences.exists()  # the task's work and progress stay
    [event] = _events("plans.delete_target")
    assert event.old["tasks"] == [task.pk]
    assert event.old["measurements"] == [
        {"on": "2025-03-30", "value": 55, "evidence": "Báo cáo 12/BC"},
        {"on": "2025-03-31", "value": 62.5, "evidence": "Báo cáo 88/BC"},
    ]


@pytest.mark.django_db
def test_a_measurement_added_after_the_confirmation_page_stops_the_deletion(
    admin_user: User, objective: Objective
) -> None:
    target = _measured(objective)
    client = _client(admin_user)
    url = reverse("plans:target_delete", args=[target.pk])
    confirmed = _confirmation(client, url)
    services.record_measurement("test", target, value=70, measured_on=dt.date(2025, 6, 30))
    response = client.post(url, confirmed)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dữ liệu đi kèm đã thay đổi từ khi mở trang xác nhận" in html
    assert "Chỉ tiêu có 3 số liệu đo và 1 nhiệm vụ liên kết." in html
    assert Measurement.objects.filter(target=target).count() == 3
    assert not _events("plans.delete_target")
    assert client.post(url, response.context["form"].initial).status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()


@pytest.mark.django_db
def test_the_only_target_of_an_objective_is_not_deleted(admin_user: User, lone: Objective) -> None:
    target = lone.targets.get()
    client = _client(admin_user)
    url = reverse("plans:target_delete", args=[target.pk])
    page = client.get(url).content.decode()
    assert "Đây là chỉ tiêu duy nhất của mục tiêu" in page
    assert "Xác nhận xoá" not in page
    assert reverse("plans:objective_delete", args=[lone.pk]) in page
    response = client.post(url, {"targets": 0, "measurements": 0, "tasks": 0})
    assert response.status_code == 200 and "Đây là chỉ tiêu duy nhất" in response.content.decode()
    assert Target.objects.filter(pk=target.pk).exists() and not _events("plans.delete_target")
    with pytest.raises(ValidationError, match="chỉ tiêu duy nhất"):
        services.delete_target("test", target, confirmed=Dependents())


@pytest.mark.django_db
def test_an_objective_is_deleted_with_its_targets_and_their_measurements_once_confirmed(
    admin_user: User, directive: Document, objective: Objective, lone: Objective
) -> None:
    _measured(objective)
    target_pks = list(objective.targets.values_list("pk", flat=True))
    client = _client(admin_user)
    url = reverse("plans:objective_delete", args=[objective.pk])
    page = client.get(url).content.decode()
    assert page.count("hồ sơ xử lý trên môi trường mạng") >= 3 and "Báo cáo 12/BC" in page
    assert Objective.objects.filter(pk=objective.pk).exists()
    refused = client.post(url, {}).content.decode()
    assert "Mục tiêu có 3 chỉ tiêu, 2 số liệu đo và 1 nhiệm vụ liên kết." in refused
    confirmed = _confirmation(client, url)
    assert confirmed == {"targets": 3, "measurements": 2, "tasks": 1}
    response = client.post(url, confirmed)
    assert response["Location"] == reverse("plans:document", args=[directive.pk])
    assert not Objective.objects.filter(pk=objective.pk).exists()
    assert not Target.objects.filter(pk__in=target_pks).exists()
    assert not Measurement.objects.filter(target_id__in=target_pks).exists()
    assert Task.objects.filter(document=directive).count() == 3
    [event] = _events("plans.delete_objective")
    assert [t["scope"] for t in event.old["targets"]] == ["province", "district", "commune"]
    assert len(event.old["targets"][1]["measurements"]) == 2
    lone.refresh_from_db()
    assert lone.position == 0  # positions stay 0..n-1: the next objective comes last
    added = services.add_objective(
        "test", directive, pillar=Pillar.ECONOMY, text="Mới", targets=[_spec(1, Scope.ANY)]
    )
    assert list(directive.objectives.all()) == [lone, added]


@pytest.mark.django_db
def test_the_document_page_links_edits_and_deletions_for_the_admin_only(
    admin_user: User, leader: User, objective: Objective
) -> None:
    target = _target(objective, Scope.COMMUNE)
    doc_url = reverse("plans:document", args=[objective.document_id])
    links = [
        reverse("plans:objective_edit", args=[objective.pk]),
        reverse("plans:objective_delete", args=[objective.pk]),
        reverse("plans:target_edit", args=[target.pk]),
        reverse("plans:target_delete", args=[target.pk]),
    ]
    admin_page = _client(admin_user).get(doc_url).content.decode()
    leader_page = _client(leader).get(doc_url).content.decode()
    assert all(link in admin_page for link in links)
    assert not any(link in leader_page for link in links)
    target_page = _client(admin_user).get(reverse("plans:target", args=[target.pk]))
    assert links[2] in target_page.content.decode() and links[3] in target_page.content.decode()


# --- who may do what ---------------------------------------------------------------------


def _urls(objective: Objective, target: Target) -> list[str]:
    return [
        reverse("plans:objective_edit", args=[objective.pk]),
        reverse("plans:objective_delete", args=[objective.pk]),
        reverse("plans:target_edit", args=[target.pk]),
        reverse("plans:target_delete", args=[target.pk]),
    ]


@pytest.mark.parametrize("who", ["owner", "outsider", "leader", "other_admin"])
@pytest.mark.django_db
def test_everyone_but_the_provinces_admin_gets_404_and_nothing_changes(
    who: str, request: pytest.FixtureRequest, objective: Objective
) -> None:
    """Reporters of units given tasks by the document read it, and still may not edit it."""
    user = request.getfixturevalue(who)
    target = _target(objective, Scope.PROVINCE)
    client = _client(user)
    before = AuditEvent.objects.count()
    data = {**TARGET_FORM, "pillar": "economy", "text": "x", "targets": 3, "measurements": 0}
    for url in _urls(objective, target):
        assert client.get(url).status_code == 404, (who, url)
        assert client.post(url, {**data, "tasks": 0}).status_code == 404, (who, url)
    assert AuditEvent.objects.count() == before
    assert objective.targets.count() == 3
    target.refresh_from_db()
    assert target.value == 90.0
    with pytest.raises(PermissionDenied):
        services.update_target(user, target, value=1.0)
    with pytest.raises(PermissionDenied):
        services.delete_objective(user, objective, confirmed=Dependents(targets=3))


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(objective: Objective) -> None:
    client = _client(None)
    target = _target(objective, Scope.PROVINCE)
    for url in _urls(objective, target):
        for response in (client.get(url), client.post(url, {"targets": 3})):
            assert response.status_code == 302, url
            assert "/accounts/login/" in response["Location"], url
    assert Objective.objects.filter(pk=objective.pk).exists() and objective.targets.count() == 3


@pytest.mark.django_db
def test_deletion_needs_a_post_with_its_csrf_token(admin_user: User, objective: Objective) -> None:
    target = _target(objective, Scope.PROVINCE)
    url = reverse("plans:target_delete", args=[target.pk])
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(admin_user)
    assert guarded.post(url, {"targets": 0, "measurements": 0, "tasks": 0}).status_code == 403
    assert _client(admin_user).delete(url).status_code == 405
    assert Target.objects.filter(pk=target.pk).exists() and not _events("plans.delete_target")
