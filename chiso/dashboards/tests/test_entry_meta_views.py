"""An indicator's owner ("Phụ trách"), due date ("Hạn xử lý") and note on the assessment page:
set and cleared through the web (HTMX and plain form), audited like a value edit, refused
outside the same rule as the figures, never overwriting a change the user has not seen."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.urls import reverse
from django.utils.timezone import localdate

from chiso.accounts.models import AuditEvent
from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.choices import EntryStatus, Review
from chiso.collection.models import Entry
from chiso.collection.services import EntryChange, apply_changes
from chiso.collection.workflow import review_entry, transition, verify_entry
from chiso.dashboards.forms import meta_seen
from chiso.dashboards.tests.test_assessment_fixtures import Cast, cast_fixture  # noqa: F401
from chiso.dashboards.tests.test_assessment_pages import audit, save_leaf

HTMX = {"HTTP_HX_REQUEST": "true"}


def meta_post(entry: Entry, owner: str = "", due: str = "", note: str = "") -> dict[str, str]:
    """What the form sends: the three boxes and the values it was drawn with."""
    return {"owner": owner, "due": due, "note": note, "seen": meta_seen(entry)}


def post_meta(cast: Cast, code: str, who: str | None = "reporter", htmx: bool = True, **boxes: str):  # type: ignore[no-untyped-def]
    entry = cast.entry(code)
    url = reverse("collection:save_meta", args=[entry.assessment_id, entry.pk])
    return cast.client(who).post(url, meta_post(entry, **boxes), **(HTMX if htmx else {}))


def stored(cast: Cast, code: str) -> tuple[str, dt.date | None, str]:
    entry = cast.entry(code)
    return entry.owner, entry.due, entry.note


def set_meta(cast: Cast, code: str, **values: Any) -> None:
    apply_changes(cast.mine, [EntryChange(code, **values)], "test")


def page_of(cast: Cast, who: str) -> str:
    return cast.client(who).get(reverse("collection:detail", args=[cast.mine.pk])).text


def test_the_reporter_sets_owner_due_date_and_note_and_an_audit_row_says_so(cast: Cast) -> None:
    before = cast.reload().revision
    response = post_meta(cast, "2.1", owner="Nguyễn Văn An", due="30/9/2025", note="Chờ sở")
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert stored(cast, "2.1") == ("Nguyễn Văn An", dt.date(2025, 9, 30), "Chờ sở")
    assert cast.reload().revision == before + 1
    row = AuditEvent.objects.get(action="entry.update")
    assert (row.actor, row.object_id) == (cast.reporter, str(cast.entry("2.1").pk))
    assert row.old == {"owner": "", "due": None, "note": ""}
    assert row.new == {"owner": "Nguyễn Văn An", "due": "2025-09-30", "note": "Chờ sở"}
    assert 'Phụ trách: <span class="owner">Nguyễn Văn An</span>' in text
    assert '<span class="due">30/09/2025</span>' in text
    assert "Đã lưu phụ trách, hạn xử lý, ghi chú của 2.1." in text
    assert f'id="assessment-rev" name="rev" value="{before + 1}" hx-swap-oob="true"' in text


def test_empty_boxes_clear_owner_due_date_and_note(cast: Cast) -> None:
    set_meta(cast, "1.3", owner="Chị Lan", due=dt.date(2025, 6, 30), note="Đang làm")
    response = post_meta(cast, "1.3", owner="", due="", note="")
    assert response.status_code == 200
    assert stored(cast, "1.3") == ("", None, "")
    row = AuditEvent.objects.filter(action="entry.update", actor=cast.reporter).get()
    assert row.old == {"owner": "Chị Lan", "due": "2025-06-30", "note": "Đang làm"}
    assert row.new == {"owner": "", "due": None, "note": ""}


def test_saving_the_same_values_again_changes_and_audits_nothing(cast: Cast) -> None:
    post_meta(cast, "2.1", owner="Anh Bình", due="2025-10-01")
    revision = cast.reload().revision
    response = post_meta(cast, "2.1", owner="Anh Bình", due="01/10/2025")
    assert "không thay đổi" in response.content.decode()
    assert cast.reload().revision == revision
    assert AuditEvent.objects.filter(action="entry.update").count() == 1


@pytest.mark.parametrize("typed", ["31/02/2025", "cuối năm", "30/9", "2025-13-01"])
def test_a_due_date_that_is_not_a_real_date_is_refused_naming_the_field(
    cast: Cast, typed: str
) -> None:
    set_meta(cast, "2.1", owner="Anh Bình")
    before = cast.reload().revision
    response = post_meta(cast, "2.1", owner="Người khác", due=typed, note="x")
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Hạn xử lý: không phải ngày có thật; hãy nhập dạng dd/mm/yyyy" in text
    assert "Chưa lưu 2.1" in text
    assert f'value="{typed}"' in text  # what was typed stays, beside its message
    assert 'aria-invalid="true"' in text and '<details class="edit-meta" open>' in text
    assert "autofocus" in text[text.index('name="due"') - 200 : text.index('name="due"') + 200]
    assert stored(cast, "2.1") == ("Anh Bình", None, "")
    assert cast.reload().revision == before
    assert not AuditEvent.objects.filter(action="entry.update", actor=cast.reporter).exists()


def test_without_javascript_a_save_goes_back_to_the_indicator(cast: Cast) -> None:
    response = post_meta(cast, "1.1", htmx=False, owner="Tổ CNS", due="15/12/2025")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#leaf-{cast.entry('1.1').pk}")
    assert stored(cast, "1.1") == ("Tổ CNS", dt.date(2025, 12, 15), "")


def test_without_javascript_a_bad_date_draws_the_page_again_with_the_error_linked(
    cast: Cast,
) -> None:
    entry = cast.entry("1.1")
    response = post_meta(cast, "1.1", htmx=False, owner="Tổ CNS", due="31/02/2025")
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert f'href="#meta-{entry.pk}-due"' in page  # the summary at the top links to the box
    found = audit(page)
    box = next(c for c in found.controls if c.get("id") == f"meta-{entry.pk}-due")
    assert box.get("aria-invalid") == "true" and box.get("value") == "31/02/2025"
    assert stored(cast, "1.1") == ("", None, "")


@pytest.mark.parametrize(
    ("who", "code"), [("outsider", 404), ("head", 403), ("admin", 403), ("leader", 403)]
)
def test_who_may_not_edit_the_figures_may_not_edit_these_either(
    cast: Cast, who: str, code: int
) -> None:
    response = post_meta(cast, "2.1", who=who, owner="Kẻ lạ", due="01/01/2026")
    assert response.status_code == code
    assert stored(cast, "2.1") == ("", None, "")
    assert not AuditEvent.objects.filter(action="entry.update").exists()


def test_a_reporter_of_another_unit_gets_404_for_its_own_url_shape_too(cast: Cast) -> None:
    entry = cast.entry("2.1")  # commune A's entry, under commune B's assessment
    url = reverse("collection:save_meta", args=[cast.theirs.pk, entry.pk])
    response = cast.client("outsider").post(url, meta_post(entry, owner="x"), **HTMX)
    assert response.status_code == 404
    assert stored(cast, "2.1") == ("", None, "")


def test_anonymous_is_sent_to_log_in_and_nothing_changes(cast: Cast) -> None:
    response = post_meta(cast, "2.1", who=None, owner="Ai đó")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert stored(cast, "2.1") == ("", None, "")


def test_a_form_without_what_it_was_drawn_with_is_refused(cast: Cast) -> None:
    entry = cast.entry("2.1")
    url = reverse("collection:save_meta", args=[cast.mine.pk, entry.pk])
    response = cast.client("reporter").post(url, {"owner": "x"}, **HTMX)
    assert response.status_code == 400
    assert stored(cast, "2.1") == ("", None, "")


def test_once_submitted_the_values_are_read_only_and_a_post_is_refused(cast: Cast) -> None:
    cast.fill()
    cast.plan()
    set_meta(cast, "2.1", owner="Anh Bình", due=dt.date(2025, 9, 30), note="Đã xong")
    transition(cast.mine, "submit", cast.reporter)
    page = page_of(cast, "reporter")
    entry = cast.entry("2.1")
    assert "Anh Bình" in page and "30/09/2025" in page and "Đã xong" in page
    assert reverse("collection:save_meta", args=[cast.mine.pk, entry.pk]) not in page
    response = post_meta(cast, "2.1", owner="Sửa sau khi gửi", due="")
    assert response.status_code == 403
    assert stored(cast, "2.1") == ("Anh Bình", dt.date(2025, 9, 30), "Đã xong")


def test_a_locked_assessment_refuses_the_edit(cast: Cast) -> None:
    cast.fill()
    cast.plan()
    for name, who in (("submit", cast.reporter), ("sign", cast.head)):
        transition(cast.mine, name, who)
    verify_entry(cast.mine, "1.1", cast.verifier)
    for code in ("1.1", "1.2", "1.3", "2.1", "2.2"):
        review_entry(cast.mine, code, Review.ACCEPTED, cast.admin)
    transition(cast.mine, "approve", cast.admin)
    transition(cast.mine, "lock", cast.admin)
    assert cast.reload().status == S.LOCKED
    for who in ("reporter", "admin"):
        assert post_meta(cast, "2.1", who=who, owner="Muộn").status_code == 403
    assert stored(cast, "2.1") == ("", None, "")


def test_when_returned_only_the_returned_indicators_take_edits(cast: Cast) -> None:
    cast.fill()
    cast.plan()
    for name, who in (("submit", cast.reporter), ("sign", cast.head)):
        transition(cast.mine, name, who)
    verify_entry(cast.mine, "1.1", cast.verifier)
    review_entry(cast.mine, "2.1", Review.RETURNED, cast.admin, comment="Thiếu danh sách")
    assert cast.reload().status == S.RETURNED
    assert post_meta(cast, "1.3", owner="Không được").status_code == 403
    assert post_meta(cast, "2.1", owner="Anh Bình", due="10/01/2026").status_code == 200
    assert stored(cast, "1.3") == ("", None, "")
    assert stored(cast, "2.1") == ("Anh Bình", dt.date(2026, 1, 10), "")


def test_a_change_by_someone_else_since_the_form_was_drawn_is_shown_not_overwritten(
    cast: Cast,
) -> None:
    entry = cast.entry("2.1")  # the form is drawn now, empty
    set_meta(cast, "2.1", owner="Chị Lan", due=dt.date(2025, 11, 1))  # someone else saves
    url = reverse("collection:save_meta", args=[cast.mine.pk, entry.pk])
    client = cast.client("reporter")
    response = client.post(url, meta_post(entry, owner="Anh Bình"), **HTMX)
    text = html.unescape(response.content.decode())
    assert "Người khác vừa sửa các ô này" in text
    assert "Phụ trách: Chị Lan; Hạn xử lý: 01/11/2025; Ghi chú: (trống)" in text
    assert 'value="Anh Bình"' in text  # what the user typed stays
    assert stored(cast, "2.1") == ("Chị Lan", dt.date(2025, 11, 1), "")
    again = meta_post(cast.entry("2.1"), owner="Anh Bình")  # saving again, having seen it
    assert client.post(url, again, **HTMX).status_code == 200
    assert stored(cast, "2.1") == ("Anh Bình", None, "")


def test_a_value_saved_meanwhile_on_the_page_is_no_conflict(cast: Cast) -> None:
    entry = cast.entry("2.1")
    assert save_leaf(cast, "2.1", count="7").status_code == 200  # the revision moves on
    url = reverse("collection:save_meta", args=[cast.mine.pk, entry.pk])
    response = cast.client("reporter").post(url, meta_post(entry, owner="Anh Bình"), **HTMX)
    assert "Đã lưu phụ trách" in response.content.decode()
    assert cast.entry("2.1").self_inputs == {"count": 7}
    assert stored(cast, "2.1") == ("Anh Bình", None, "")


def test_the_page_offers_the_form_to_the_reporter_and_shows_the_values_to_readers(
    cast: Cast,
) -> None:
    set_meta(cast, "1.2", owner="Văn phòng", due=dt.date(2025, 12, 31), note="Kế hoạch số 12")
    entry = cast.entry("1.2")
    action = reverse("collection:save_meta", args=[cast.mine.pk, entry.pk])
    mine = page_of(cast, "reporter")
    assert f'action="{action}"' in mine and f'hx-post="{action}"' in mine
    assert f'value="2025-12-31" placeholder="dd/mm/yyyy" id="meta-{entry.pk}-due"' in mine
    audit(mine)  # every box labelled, every reference resolves, no duplicate id
    for who in ("admin", "leader"):
        page = page_of(cast, who)
        assert "Văn phòng" in page and "31/12/2025" in page and "Kế hoạch số 12" in page
        assert action not in page


def test_an_overdue_indicator_that_is_not_done_is_marked(cast: Cast) -> None:
    past = localdate() - dt.timedelta(days=1)
    set_meta(cast, "2.1", due=past)
    set_meta(cast, "2.2", due=past, progress=EntryStatus.DONE)
    set_meta(cast, "1.3", due=localdate())
    page = page_of(cast, "leader")
    marks = page.count('<span class="status status-overdue">Quá hạn</span>')
    assert marks == 1
    block = page[page.index(f'id="meta-{cast.entry("2.1").pk}"') :]
    assert block.index("status-overdue") < block.index("</div>")
