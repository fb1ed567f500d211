"""Accepting an extraction as plans: tasks land on the Nghệ An units valid on the date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from chiso.accounts.choices import Role
from chiso.accounts.models import AuditEvent, Membership
from chiso.org.loaders import load_historic_divisions, load_organisations
from chiso.org.models import Unit
from chiso.plans import importing
from chiso.plans.choices import DocumentKind, Recurrence, Scope
from chiso.plans.importing import DocumentDraft, ImportDraft, TargetDraft, TaskDraft
from chiso.plans.models import Document, Objective, Occurrence, Target, Task

DATA = Path(__file__).parent / "data"
SEED_000 = DATA / "nghe-an-2023-directive.txt"
ORGANISATIONS = Path(__file__).resolve().parents[2] / "org" / "data" / "nghe-an.yaml"
PASSWORD = "mat-khau-thu-2025"
AUGUST_2023 = dt.date(2023, 8, 1)


def load_nghe_an() -> Unit:
    """Nghệ An as it was and is: districts and communes, departments with their 2025 mergers."""
    load_historic_divisions(["nghe-an"])
    load_organisations(ORGANISATIONS)
    return Unit.objects.get(code="nghe-an")


def member(username: str, unit: Unit, role: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.vn", PASSWORD)
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def ict_reporter_of(province: Unit) -> User:
    """A reporter of Sở Thông tin và Truyền thông (merged into Sở KH&CN in 2025)."""
    unit = Unit.objects.get(code="h-nghe-an.so-thong-tin-va-truyen-thong", parent=province)
    return member("chuyenvien-stttt", unit, Role.REPORTER)


@pytest.fixture
def nghe_an(db: None) -> Unit:
    return load_nghe_an()


@pytest.fixture
def province_admin(nghe_an: Unit) -> User:
    return member("quantri", nghe_an, Role.ADMIN)


@pytest.fixture
def ict_reporter(nghe_an: Unit) -> User:
    return ict_reporter_of(nghe_an)


def seed_draft(**document: object) -> tuple[str, ImportDraft]:
    text = importing.clean_text(SEED_000.read_text(encoding="utf-8"))
    draft = importing.propose(text)
    draft.document.title = "Triển khai nhiệm vụ trọng tâm về chuyển đổi số năm 2023"
    draft.document.issued_on = AUGUST_2023
    for key, value in document.items():
        setattr(draft.document, key, value)
    return text, draft


def small_draft(number: str = "12/CT-UBND", **task: object) -> ImportDraft:
    doc = DocumentDraft(
        kind=DocumentKind.DIRECTIVE,
        number=number,
        issued_on=AUGUST_2023,
        issuer="UBND tỉnh Nghệ An",
        title="Chỉ thị về chuyển đổi số",
    )
    values: dict[str, object] = {"text": "Sở Tài chính bố trí kinh phí.", "lead": "Sở Tài chính"}
    return ImportDraft(doc, [TaskDraft(**{**values, **task})], [])  # type: ignore[arg-type]


def codes(task: Task) -> list[str]:
    return sorted(task.leads.values_list("code", flat=True))


@pytest.mark.django_db
def test_seed_000_lands_its_32_tasks_on_the_nghe_an_units_with_their_deadlines(
    nghe_an: Unit, province_admin: User
) -> None:
    text, draft = seed_draft()
    doc = importing.accept_import(province_admin, nghe_an, text, draft)
    assert doc.tasks.count() == 32
    assert doc.text == text and doc.issuer == "UBND tỉnh Nghệ An"
    office = doc.tasks.get(lead_text="Văn phòng UBND tỉnh", deadline=dt.date(2023, 9, 30))
    assert codes(office) == ["nghe-an.van-phong-ubnd-tinh"]
    assert office.occurrences.get().due == dt.date(2023, 9, 30)
    ict = doc.tasks.filter(lead_text="Sở Thông tin và Truyền thông")
    assert {tuple(codes(t)) for t in ict} == {("h-nghe-an.so-thong-tin-va-truyen-thong",)}
    finance = doc.tasks.get(lead_text="Sở Tài chính", recurrence=Recurrence.YEARLY)
    assert codes(finance) == ["nghe-an.so-tai-chinh"]
    assert "nghe-an.so-thong-tin-va-truyen-thong" not in codes(finance)


@pytest.mark.django_db
def test_a_collective_lead_expands_to_every_district_valid_on_the_issue_date(
    nghe_an: Unit, province_admin: User
) -> None:
    text, draft = seed_draft()
    doc = importing.accept_import(province_admin, nghe_an, text, draft)
    radio = doc.tasks.get(text__startswith="UBND các huyện, thành phố, thị xã chỉ đạo triển khai")
    districts = Unit.objects.filter(kind="district").valid_on(AUGUST_2023)
    assert radio.leads.count() == districts.count() > 10
    assert set(radio.occurrences.values_list("due", flat=True)) == {dt.date(2023, 9, 30)}


@pytest.mark.django_db
def test_an_agency_that_names_no_unit_keeps_its_text_and_an_unassigned_occurrence(
    nghe_an: Unit, province_admin: User
) -> None:
    draft = small_draft(lead="Ban Quản lý dự án đô thị thông minh", coordinating=["Sở Nội vụ"])
    doc = importing.accept_import(province_admin, nghe_an, "…", draft)
    task = doc.tasks.get()
    assert task.lead_text == "Ban Quản lý dự án đô thị thông minh"
    assert task.leads.count() == 0 and task.occurrences.get().unit is None
    assert list(task.coordinating.values_list("code", flat=True)) == ["nghe-an.so-noi-vu"]


@pytest.mark.django_db
def test_task_targets_become_an_objective_linked_to_the_task(
    nghe_an: Unit, province_admin: User
) -> None:
    text, draft = seed_draft()
    doc = importing.accept_import(province_admin, nghe_an, text, draft)
    online = doc.tasks.get(text__contains="tỷ lệ hồ sơ xử lý trực tuyến trên 80%")
    target = online.targets.get()
    assert (target.comparator, target.value, target.unit) == (">=", 80.0, "%")
    assert target.deadline == dt.date(2023, 12, 31) == online.deadline
    assert target.objective.document == doc


@pytest.mark.django_db
def test_document_targets_at_three_levels_make_one_objective_with_three_targets(
    nghe_an: Unit, province_admin: User
) -> None:
    level = [
        TargetDraft("hồ sơ xử lý trên môi trường mạng", ">=", v, "%", dt.date(2025, 12, 31), s)
        for v, s in ((90, Scope.PROVINCE), (80, Scope.DISTRICT), (60, Scope.COMMUNE))
    ]
    draft = small_draft()
    draft.targets = level
    doc = importing.accept_import(province_admin, nghe_an, "…", draft)
    objective = Objective.objects.get(document=doc)
    assert list(objective.targets.values_list("scope", "value")) == [
        ("province", 90.0),
        ("district", 80.0),
        ("commune", 60.0),
    ]


@pytest.mark.django_db
def test_a_duplicate_number_in_the_province_is_refused_and_nothing_is_written(
    nghe_an: Unit, province_admin: User
) -> None:
    importing.accept_import(province_admin, nghe_an, "…", small_draft("12/CT-UBND"))
    before = (Document.objects.count(), Task.objects.count(), Occurrence.objects.count())
    with pytest.raises(ValidationError, match="12/CT-UBND đã có trong"):
        importing.accept_import(province_admin, nghe_an, "…", small_draft("12/CT-UBND"))
    assert (Document.objects.count(), Task.objects.count(), Occurrence.objects.count()) == before


@pytest.mark.django_db
def test_a_target_without_deadline_fails_the_whole_import(
    nghe_an: Unit, province_admin: User
) -> None:
    draft = small_draft()
    draft.tasks[0].targets = [TargetDraft("tỷ lệ hồ sơ trực tuyến", ">=", 80, "%", None)]
    with pytest.raises(ValidationError, match="chưa có thời hạn"):
        importing.accept_import(province_admin, nghe_an, "…", draft)
    assert not Document.objects.exists() and not Task.objects.exists()


@pytest.mark.django_db
def test_only_the_province_admin_may_import(nghe_an: Unit, ict_reporter: User) -> None:
    leader = member("lanhdao", nghe_an, Role.LEADER)
    for user in (ict_reporter, leader):
        with pytest.raises(PermissionDenied):
            importing.accept_import(user, nghe_an, "…", small_draft())
    assert not Document.objects.exists()
    assert not importing.can_import(leader) and not importing.can_import(ict_reporter)


@pytest.mark.django_db
def test_an_admin_of_another_province_may_not_import_here(nghe_an: Unit) -> None:
    other = Unit.objects.create(code="ha-tinh-test", kind="province", name="Tỉnh Hà Tĩnh")
    stranger = member("quantri-ht", other, Role.ADMIN)
    assert list(importing.importing_provinces(stranger)) == [other]
    with pytest.raises(PermissionDenied):
        importing.accept_import(stranger, nghe_an, "…", small_draft())


@pytest.mark.django_db
def test_the_import_writes_one_audit_row_with_the_counts(
    nghe_an: Unit, province_admin: User
) -> None:
    text, draft = seed_draft(number="999/CT-UBND")
    doc = importing.accept_import(province_admin, nghe_an, text, draft)
    event = AuditEvent.objects.get(action="plans.import_document")
    assert (event.actor, event.object_id) == (province_admin, str(doc.pk))
    assert event.new == {
        "tasks": 32,
        "targets": len(Target.objects.filter(objective__document=doc)),
    }


# --- reading and proposing ----------------------------------------------------------------


def test_an_unsupported_file_type_is_refused_by_name() -> None:
    upload = SimpleUploadedFile("chi-thi.doc", b"\xd0\xcf\x11\xe0")
    with pytest.raises(ValidationError, match=r"chi-thi\.doc.*không được hỗ trợ"):
        importing.read_upload(upload)


def test_a_broken_docx_gives_the_readers_message_with_the_uploaded_name() -> None:
    upload = SimpleUploadedFile("ke-hoach.docx", b"PK\x03\x04 not really a zip")
    with pytest.raises(ValidationError, match=r"“ke-hoach\.docx” bị hỏng"):
        importing.read_upload(upload)


def test_a_docx_upload_is_read_paragraph_by_paragraph(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Sở Tài chính:")
    document.add_paragraph("– Bố trí kinh phí chuyển đổi số, hoàn thành trước ngày 30/9/2025.")
    document.save(str(tmp_path / "a.docx"))
    upload = SimpleUploadedFile("chi-thi.docx", (tmp_path / "a.docx").read_bytes())
    text = importing.read_upload(upload)
    task = importing.propose(importing.clean_text(text)).tasks[0]
    assert (task.lead, task.deadline) == ("Sở Tài chính", dt.date(2025, 9, 30))


def test_a_text_file_without_text_is_refused() -> None:
    with pytest.raises(ValidationError, match="không có nội dung"):
        importing.read_upload(SimpleUploadedFile("trong.txt", b"  \n "))


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00"])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="Chưa có nội dung"):
        importing.clean_text(text)


@pytest.mark.parametrize(
    ("text", "number", "kind"),
    [
        ("UBND TỈNH NGHỆ AN\nSố: 586/KH-UBND\nKẾ HOẠCH", "586/KH-UBND", DocumentKind.PLAN),
        (
            "Chủ tịch UBND tỉnh vừa ban hành Chỉ thị số 07/CT-UBND ngày 2/3/2024",
            "07/CT-UBND",
            DocumentKind.DIRECTIVE,
        ),
        ("Thực hiện Công văn số 797/BTTTT-THH, các sở…", "", DocumentKind.DIRECTIVE),
        ("Số: 09-NQ/TU\nNGHỊ QUYẾT", "09-NQ/TU", DocumentKind.RESOLUTION),
    ],
)
def test_the_documents_own_number_is_found_but_not_a_cited_one(
    text: str, number: str, kind: str
) -> None:
    found = importing.guess_number(text)
    assert found == number
    assert importing.guess_kind(found, importing.guess_title(text)) == kind


def test_a_combined_scope_gives_one_target_per_level() -> None:
    proposal = importing.propose(
        "Sở Nội vụ:\n– Đảm bảo trong năm 2024 tỷ lệ hồ sơ công việc cấp huyện, cấp xã được xử "
        "lý trên môi trường mạng đạt 80%.\n"
    )
    targets = proposal.tasks[0].targets
    assert [(t.scope, t.value, t.deadline) for t in targets] == [
        (Scope.DISTRICT, 80.0, dt.date(2024, 12, 31)),
        (Scope.COMMUNE, 80.0, dt.date(2024, 12, 31)),
    ]
    assert importing.scopes_of("cấp tỉnh, cấp huyện, cấp xã") == [
        Scope.PROVINCE,
        Scope.DISTRICT,
        Scope.COMMUNE,
    ]


def test_a_target_the_text_does_not_date_gets_the_documents_latest_date_flagged() -> None:
    proposal = importing.propose(
        "Sở Tài chính:\n– Hoàn thành kế hoạch trước ngày 30/11/2024.\n"
        "– Phấn đấu tối thiểu 50% doanh nghiệp nhỏ và vừa sử dụng nền tảng số.\n"
    )
    target = proposal.tasks[1].targets[0]
    assert (target.deadline, target.assumed) == (dt.date(2024, 11, 30), True)


def test_proposals_keep_the_span_of_each_tasks_sentence() -> None:
    text = importing.clean_text(SEED_000.read_text(encoding="utf-8"))
    proposal = importing.propose(text)
    for task in proposal.tasks:
        assert task.span is not None and text[task.span[0] : task.span[1]] == task.text
