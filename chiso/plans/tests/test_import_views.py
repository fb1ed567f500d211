"""The import pages: who may use them, paste → review → accept, and precise errors."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chiso.accounts.choices import Role
from chiso.org.models import Unit
from chiso.plans.import_views import SESSION_KEY, highlight
from chiso.plans.models import Document, Task
from chiso.plans.tests.test_import_services import (
    SEED_000,
    ict_reporter_of,
    load_nghe_an,
    member,
)

START, REVIEW = reverse("plans:import_start"), reverse("plans:import_review")


@pytest.fixture
def nghe_an(db: None) -> Unit:
    return load_nghe_an()


@pytest.fixture
def province_admin(nghe_an: Unit) -> User:
    return member("quantri", nghe_an, Role.ADMIN)


@pytest.fixture
def ict_reporter(nghe_an: Unit) -> User:
    return ict_reporter_of(nghe_an)


class FormData(HTMLParser):
    """What a browser would submit from the review form, as rendered (first form only)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if self._done:
            return
        if tag == "input" and a.get("type") not in ("checkbox", "submit", "file"):
            self.data.setdefault(a.get("name", ""), a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self.data.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and "task-TOTAL_FORMS" in self.data:
            self._done = True

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def review_form(client: Client) -> dict[str, str]:
    parser = FormData()
    parser.feed(client.get(REVIEW).content.decode())
    return {k: v for k, v in parser.data.items() if k}


def as_admin(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pasted(user: User) -> Client:
    client = as_admin(user)
    response = client.post(START, {"text": SEED_000.read_text(encoding="utf-8")})
    assert response.status_code == 302 and response["Location"] == REVIEW
    return client


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(nghe_an: Unit) -> None:
    for url in (START, REVIEW):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_reporters_and_leaders_get_404_like_a_missing_page(
    nghe_an: Unit, ict_reporter: User
) -> None:
    leader = member("lanhdao", nghe_an, Role.LEADER)
    for user in (ict_reporter, leader):
        client = as_admin(user)
        assert client.get(START).status_code == 404
        assert client.post(START, {"text": "Sở Tài chính: – Bố trí kinh phí."}).status_code == 404
        assert client.get(REVIEW).status_code == 404
        assert client.get(reverse("plans:import_link")).content == b""


@pytest.mark.django_db
def test_the_admin_sees_the_link_and_the_paste_form(province_admin: User) -> None:
    client = as_admin(province_admin)
    assert START in client.get(reverse("plans:import_link")).content.decode()
    assert "Dán nội dung văn bản" in client.get(START).content.decode()


@pytest.mark.django_db
def test_the_review_lists_proposals_and_marks_each_source_sentence(
    province_admin: User,
) -> None:
    html = pasted(province_admin).get(REVIEW).content.decode()
    assert html.count('<mark id="task-') == 32
    assert 'href="#task-1"' in html and 'id="proposal-32"' in html
    assert 'value="UBND tỉnh Nghệ An"' in html  # issuer prefilled
    assert "Văn phòng UBND tỉnh" in html and "hoàn thành trước ngày 30/9/2023" in html
    assert 'value="30/09/2023"' in html


@pytest.mark.django_db
def test_accepting_the_review_creates_the_document_and_redirects_to_it(
    province_admin: User,
) -> None:
    client = pasted(province_admin)
    data = review_form(client)
    data |= {"title": "Nhiệm vụ trọng tâm về chuyển đổi số 2023", "issued_on": "01/08/2023"}
    response = client.post(REVIEW, data)
    doc = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:document", args=[doc.pk])
    assert doc.tasks.count() == 32 and SESSION_KEY not in client.session
    office = doc.tasks.get(lead_text="Văn phòng UBND tỉnh", deadline__isnull=False)
    assert [u.code for u in office.leads.all()] == ["nghe-an.van-phong-ubnd-tinh"]


@pytest.mark.django_db
def test_the_reviewer_removes_a_task_edits_one_and_adds_a_target(province_admin: User) -> None:
    client = pasted(province_admin)
    data = review_form(client) | {"title": "Chỉ thị thử", "issued_on": "01/08/2023"}
    data |= {"task-0-DELETE": "on", "task-1-lead": "Sở Tài chính", "task-1-deadline": "15/12/2023"}
    extra = int(data["target-TOTAL_FORMS"]) - 1
    data |= {
        f"target-{extra}-owner": "2",
        f"target-{extra}-metric": "cán bộ được bồi dưỡng kỹ năng số",
        f"target-{extra}-comparator": ">=",
        f"target-{extra}-value": "1.500",
        f"target-{extra}-unit": "người",
        f"target-{extra}-deadline": "31/12/2023",
        f"target-{extra}-pillar": "government",
    }
    assert client.post(REVIEW, data).status_code == 302
    doc = Document.objects.get()
    assert doc.tasks.count() == 31
    edited = doc.tasks.order_by("position").first()
    assert edited is not None and edited.lead_text == "Sở Tài chính"
    assert [u.code for u in edited.leads.all()] == ["nghe-an.so-tai-chinh"]
    assert {t.metric: t.value for t in edited.targets.all()}[
        "cán bộ được bồi dưỡng kỹ năng số"
    ] == 1500


@pytest.mark.django_db
def test_an_impossible_date_names_the_row_and_field_and_writes_nothing(
    province_admin: User,
) -> None:
    client = pasted(province_admin)
    data = review_form(client) | {"title": "Chỉ thị thử", "task-1-deadline": "31/02/2024"}
    html = client.post(REVIEW, data).content.decode()
    assert "Nhiệm vụ 2, Hạn (dd/mm/yyyy): “31/02/2024” không phải là ngày hợp lệ" in html
    assert not Document.objects.exists() and not Task.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_number_is_refused_with_the_number(province_admin: User) -> None:
    for _attempt in range(2):
        client = pasted(province_admin)
        data = review_form(client) | {"title": "Chỉ thị thử", "number": "15/CT-UBND"}
        response = client.post(REVIEW, data)
    assert "Văn bản số 15/CT-UBND đã có trong Tỉnh Nghệ An" in response.content.decode()
    assert Document.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"text": "   "}, "Chưa có nội dung"),
        (
            {"file": SimpleUploadedFile("chi-thi.doc", b"\xd0\xcf")},
            "chỉ nhận .txt, .docx hoặc .pdf",
        ),
        ({"file": SimpleUploadedFile("hong.pdf", b"%PDF-1.4 broken")}, "“hong.pdf” bị hỏng"),
    ],
)
def test_bad_input_is_refused_with_a_precise_message(
    province_admin: User, payload: dict[str, Any], message: str
) -> None:
    client = as_admin(province_admin)
    response = client.post(START, payload)
    assert response.status_code == 200 and message in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_an_uploaded_text_file_goes_to_the_review(province_admin: User) -> None:
    client = as_admin(province_admin)
    upload = SimpleUploadedFile("chi-thi.txt", SEED_000.read_bytes())
    assert client.post(START, {"file": upload})["Location"] == REVIEW
    assert "chi-thi.txt" in client.get(REVIEW).content.decode()


@pytest.mark.django_db
def test_a_pending_import_belongs_to_the_user_who_started_it(province_admin: User) -> None:
    client = pasted(province_admin)
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "user": province_admin.pk + 1}
    session.save()
    assert client.get(REVIEW)["Location"] == START


def test_highlight_cuts_the_text_around_each_span_and_skips_overlaps() -> None:
    text = "Mở đầu. Việc một. Việc hai."
    assert highlight(text, [(8, 17), (10, 12), (18, 27)]) == [
        ("Mở đầu. ", None),
        ("Việc một.", 1),
        (" ", None),
        ("Việc hai.", 3),
    ]
