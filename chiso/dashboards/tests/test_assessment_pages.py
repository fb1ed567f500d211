"""The assessment pages through the web: autosave, bad input, conflicts, the no-JavaScript
fallback, workflow buttons, audit rows and query-count guards."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from chiso.accounts.models import AuditEvent
from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.choices import Review
from chiso.collection.models import Evidence
from chiso.collection.workflow import review_entry, transition, verify_entry
from chiso.dashboards.tests.test_assessment_fixtures import Cast, cast_fixture, leaf_post  # noqa: F401
from chiso.org.models import Unit
from chiso.scoring.models import ScoreSnapshot

HTMX = {"HTTP_HX_REQUEST": "true"}


def save_leaf(cast: Cast, code: str, who: str = "reporter", rev: int | None = None, **inputs: Any):  # type: ignore[no-untyped-def]
    entry = cast.entry(code)
    url = reverse("collection:save_leaf", args=[cast.mine.pk, entry.pk])
    revision = cast.reload().revision if rev is None else rev
    return cast.client(who).post(url, leaf_post(entry, revision, **inputs), **HTMX)


def test_the_reporter_lands_on_what_to_do_now_with_the_deadline(cast: Cast) -> None:
    response = cast.client("reporter").get(reverse("collection:home"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Xã A" in text and "31/01/2026" in text and "Đang nhập" in text
    assert "Xã B" not in text


def test_the_head_sees_what_awaits_signature(cast: Cast) -> None:
    cast.fill()
    cast.plan()
    transition(cast.mine, "submit", cast.reporter)
    text = cast.client("head").get(reverse("collection:home")).content.decode()
    assert "Chờ lãnh đạo đơn vị ký" in text and "Xã A" in text


def test_the_form_is_generated_from_the_rule_of_each_leaf(cast: Cast) -> None:
    text = cast.client("reporter").get(reverse("collection:detail", args=[cast.mine.pk])).content
    page = text.decode()
    for label in ("Tử số", "Mẫu số", "Tỷ lệ (%)", "Số lượng", "Chủ tịch UBND xã"):
        assert label in page
    assert 'hx-post="/assessments/' in page and 'aria-live="polite"' in page
    assert f'name="in-{cast.entry("1.2").pk}-value"' in page


@pytest.mark.django_db(transaction=True)  # re-scoring runs when the save commits
def test_autosave_stores_the_value_with_a_decimal_comma_and_shows_new_points(cast: Cast) -> None:
    save_leaf(cast, "2.1", count="7")
    response = save_leaf(cast, "1.3", percent="62,5")
    text = response.content.decode()
    assert response.status_code == 200
    assert cast.entry("1.3").self_inputs == {"percent": 62.5}
    assert "12,50" in text  # 62.5 % of 20 points, drawn with a decimal comma
    assert 'id="totals" hx-swap-oob="true"' in text
    assert f'id="assessment-rev" name="rev" value="{cast.reload().revision}"' in text
    snap = ScoreSnapshot.objects.get(assessment=cast.mine, stage="self")
    assert snap.points["1.3"] == pytest.approx(12.5)


@pytest.mark.parametrize(
    ("code", "inputs", "message"),
    [
        ("2.1", {"count": "abc"}, "phải là một số, không phải 'abc'"),
        ("2.1", {"count": "-3"}, "không được âm"),
        ("1.1", {"numerator": "120", "denominator": "100"}, "tử số (120) lớn hơn mẫu số (100)"),
        ("1.3", {"percent": "120"}, "lớn hơn 100"),
        ("2.1", {"count": "2,5"}, "phải là số nguyên"),
    ],
)
def test_bad_input_keeps_the_typed_text_shows_why_and_changes_nothing(
    cast: Cast, code: str, inputs: dict[str, str], message: str
) -> None:
    before = cast.reload().revision
    response = save_leaf(cast, code, **inputs)
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert message in text
    assert "Chưa lưu" in text
    assert cast.entry(code).self_inputs == {}
    assert cast.reload().revision == before
    assert not AuditEvent.objects.filter(action="entry.update").exists()


def test_a_request_without_the_boxes_never_clears_the_figures(cast: Cast) -> None:
    save_leaf(cast, "2.1", count="5")
    entry = cast.entry("2.1")
    url = reverse("collection:save_leaf", args=[cast.mine.pk, entry.pk])
    response = cast.client("reporter").post(url, {"rev": cast.reload().revision}, **HTMX)
    assert response.status_code == 400
    assert cast.entry("2.1").self_inputs == {"count": 5}


def test_two_sessions_editing_the_same_figure_get_a_conflict_with_both_values(cast: Cast) -> None:
    loaded = cast.reload().revision  # both people opened the page at this revision
    first = save_leaf(cast, "2.1", rev=loaded, count="7")
    assert first.status_code == 200
    entry = cast.entry("2.1")
    stale = leaf_post(entry, loaded, count="9")
    stale[f"base-{entry.pk}"] = "{}"  # the second person drew the row before the first saved
    url = reverse("collection:save_leaf", args=[cast.mine.pk, entry.pk])
    second = cast.client("reporter").post(url, stale, **HTMX)
    text = second.content.decode()
    assert "Đang lưu" in text and "Số lượng = 7" in text
    assert "Bạn nhập" in text and "Số lượng = 9" in text
    assert cast.entry("2.1").self_inputs == {"count": 7}  # nothing overwritten silently
    overwrite = {**stale, "overwrite": str(cast.reload().revision)}
    cast.client("reporter").post(url, overwrite, **HTMX)
    assert cast.entry("2.1").self_inputs == {"count": 9}


def test_a_save_by_someone_else_on_another_indicator_is_no_conflict(cast: Cast) -> None:
    loaded = cast.reload().revision
    save_leaf(cast, "2.1", rev=loaded, count="7")
    response = save_leaf(cast, "1.3", rev=loaded, percent="40")  # its row is unchanged
    assert "Đang lưu" not in response.content.decode()
    assert cast.entry("1.3").self_inputs == {"percent": 40}
    assert cast.entry("2.1").self_inputs == {"count": 7}


def test_keep_theirs_redraws_the_row_from_what_is_stored(cast: Cast) -> None:
    save_leaf(cast, "2.1", count="7")
    entry = cast.entry("2.1")
    url = reverse("collection:save_leaf", args=[cast.mine.pk, entry.pk])
    response = cast.client("reporter").post(url, {"keep": "1"}, **HTMX)
    assert response["HX-Retarget"] == f"#leaf-{entry.pk}"
    assert f'name="in-{entry.pk}-count" value="7"' in response.content.decode()
    assert f'id="ev-{entry.pk}-number"' in response.content.decode()  # evidence forms kept


def test_without_javascript_the_whole_form_saves_at_once(cast: Cast) -> None:
    rows = {code: cast.entry(code) for code in ("1.1", "1.2", "2.2")}
    data = {
        f"in-{rows['1.1'].pk}-numerator": "45",
        f"in-{rows['1.1'].pk}-denominator": "50",
        f"in-{rows['1.2'].pk}-value": "1",
        f"in-{rows['2.2'].pk}-choice": "pho-chu-tich",
        "rev": str(cast.reload().revision),
    }
    response = cast.client("reporter").post(reverse("collection:save", args=[cast.mine.pk]), data)
    assert response.status_code == 302
    assert cast.entry("1.1").self_inputs == {"numerator": 45, "denominator": 50}
    assert cast.entry("2.2").self_inputs == {"choice": "pho-chu-tich"}


def test_without_javascript_one_bad_value_saves_nothing_and_keeps_every_typed_value(
    cast: Cast,
) -> None:
    a, b = cast.entry("2.1"), cast.entry("1.3")
    data = {f"in-{a.pk}-count": "8", f"in-{b.pk}-percent": "120", "rev": cast.reload().revision}
    response = cast.client("reporter").post(reverse("collection:save", args=[cast.mine.pk]), data)
    text = response.content.decode()
    assert response.status_code == 400
    assert "lớn hơn 100" in text
    assert f'name="in-{a.pk}-count" value="8"' in text
    assert f'name="in-{b.pk}-percent" value="120"' in text
    assert cast.entry("2.1").self_inputs == {}


def test_without_javascript_a_stale_revision_shows_both_values(cast: Cast) -> None:
    loaded = cast.reload().revision
    save_leaf(cast, "2.1", count="7")
    entry = cast.entry("2.1")
    data = {f"in-{entry.pk}-count": "3", "rev": str(loaded)}
    response = cast.client("reporter").post(reverse("collection:save", args=[cast.mine.pk]), data)
    text = response.content.decode()
    assert response.status_code == 409
    assert "Số lượng = 7" in text and "Số lượng = 3" in text
    assert cast.entry("2.1").self_inputs == {"count": 7}


def test_every_web_edit_leaves_an_audit_row_with_actor_and_old_and_new(cast: Cast) -> None:
    save_leaf(cast, "2.1", count="7")
    save_leaf(cast, "2.1", count="9")
    rows = AuditEvent.objects.filter(action="entry.update").order_by("id")
    assert [(r.actor, r.old, r.new) for r in rows] == [
        (cast.reporter, {"self_inputs": {}}, {"self_inputs": {"count": 7}}),
        (cast.reporter, {"self_inputs": {"count": 7}}, {"self_inputs": {"count": 9}}),
    ]


def _post(cast: Cast, who: str, name: str, *args: Any, **data: Any) -> Any:
    return cast.client(who).post(reverse(name, args=args), data)


def test_every_transition_through_the_web_is_audited_with_its_actor(cast: Cast) -> None:
    cast.fill()
    cast.plan()
    pk = cast.mine.pk
    _post(cast, "reporter", "collection:transition", pk, "submit")
    _post(cast, "head", "collection:transition", pk, "reject", reason="Thiếu số liệu quý 4")
    _post(cast, "reporter", "collection:transition", pk, "submit")
    _post(cast, "head", "collection:transition", pk, "sign")
    got = [
        (r.action, r.actor.username, r.old, r.new, r.reason)
        for r in AuditEvent.objects.filter(action__startswith="assessment.").order_by("id")
        if r.action != "assessment.open"
    ]
    assert got == [
        ("assessment.submit", "reporter", {"status": "draft"}, {"status": "submitted"}, ""),
        ("assessment.reject", "head", {"status": "submitted"}, {"status": "draft"},
         "Thiếu số liệu quý 4"),
        ("assessment.submit", "reporter", {"status": "draft"}, {"status": "submitted"}, ""),
        ("assessment.sign", "head", {"status": "submitted"}, {"status": "signed"}, ""),
    ]  # fmt: skip


def test_submitting_without_required_evidence_says_which_indicator(cast: Cast) -> None:
    cast.fill()
    response = cast.client("reporter").post(
        reverse("collection:transition", args=[cast.mine.pk, "submit"]), follow=True
    )
    assert "1.2: thiếu minh chứng bắt buộc" in response.content.decode()
    assert cast.reload().status == S.DRAFT


def test_the_buttons_offered_are_the_allowed_transitions(cast: Cast) -> None:
    url = reverse("collection:detail", args=[cast.mine.pk])
    assert "Gửi bản tự đánh giá" in cast.client("reporter").get(url).content.decode()
    assert "Gửi bản tự đánh giá" not in cast.client("head").get(url).content.decode()


def _to_verified(cast: Cast) -> None:
    cast.fill()
    cast.plan()
    transition(cast.mine, "submit", cast.reporter)
    transition(cast.mine, "sign", cast.head)
    verify_entry(cast.mine, "1.1", cast.verifier)


def test_the_verifier_corrects_a_figure_with_a_reason_through_its_page(cast: Cast) -> None:
    cast.fill()
    cast.plan()
    transition(cast.mine, "submit", cast.reporter)
    transition(cast.mine, "sign", cast.head)
    client = cast.client("verifier")
    page = client.get(reverse("collection:verify")).content.decode()
    assert "Xã A" in page and "1.1" in page
    entry = cast.entry("1.1")
    data = {
        "action": "correct",
        f"fix-{entry.pk}-numerator": "75",
        f"fix-{entry.pk}-denominator": "100",
        "reason": "Số liệu hệ thống một cửa",
    }
    client.post(reverse("collection:verify_entry", args=[cast.mine.pk, entry.pk]), data)
    assert cast.entry("1.1").appraisal_inputs == {"numerator": 75, "denominator": 100}
    assert cast.entry("1.1").self_inputs == {"numerator": 90, "denominator": 100}
    assert cast.reload().status == S.VERIFIED
    row = AuditEvent.objects.get(action="entry.verify")
    assert (row.actor, row.reason) == (cast.verifier, "Số liệu hệ thống một cửa")


def test_the_admin_returns_an_indicator_and_the_reporter_fixes_it(cast: Cast) -> None:
    _to_verified(cast)
    entry = cast.entry("2.1")
    review_url = reverse("collection:review_entry", args=[cast.mine.pk, entry.pk])
    cast.client("admin").post(review_url, {"decision": "returned", "comment": "Thiếu danh sách"})
    assert cast.reload().status == S.RETURNED
    home = cast.client("reporter").get(reverse("collection:home")).content.decode()
    assert "Thiếu danh sách" in home
    assert save_leaf(cast, "1.3", percent="10").status_code == 200
    assert cast.entry("1.3").self_inputs == {"percent": 50}  # only returned rows are editable
    save_leaf(cast, "2.1", count="15")
    assert cast.entry("2.1").self_inputs == {"count": 15}
    _post(cast, "reporter", "collection:mark_fixed", cast.mine.pk, entry.pk)
    assert cast.entry("2.1").review == Review.PENDING
    _post(cast, "reporter", "collection:transition", cast.mine.pk, "resubmit")
    assert cast.reload().status == S.VERIFIED


def test_the_admin_corrects_with_a_reason_and_a_correction_without_one_is_refused(
    cast: Cast,
) -> None:
    _to_verified(cast)
    entry = cast.entry("2.1")
    url = reverse("collection:review_entry", args=[cast.mine.pk, entry.pk])
    client = cast.client("admin")
    response = client.post(
        url, {"decision": "corrected", f"fix-{entry.pk}-count": "4"}, follow=True
    )
    assert "Hãy ghi lý do" in response.content.decode()
    assert cast.entry("2.1").final_inputs is None
    client.post(
        url, {"decision": "corrected", f"fix-{entry.pk}-count": "4", "comment": "Chỉ 4 tin"}
    )
    assert cast.entry("2.1").final_inputs == {"count": 4}


def test_after_approval_the_page_counts_changes_since(cast: Cast) -> None:
    _to_verified(cast)
    for code in ("1.1", "1.2", "1.3", "2.1", "2.2"):
        review_entry(cast.mine, code, Review.ACCEPTED, cast.admin)
    transition(cast.mine, "approve", cast.admin)
    url = reverse("collection:detail", args=[cast.mine.pk])
    assert (
        "0 thay đổi số liệu kể từ khi phê duyệt" in cast.client("admin").get(url).content.decode()
    )
    transition(cast.mine, "reopen", cast.admin, reason="Sửa sai sót")
    review_entry(
        cast.reload(), "2.1", Review.CORRECTED, cast.admin, corrected={"count": 3}, comment="Sai"
    )
    assert (
        "1 thay đổi số liệu kể từ khi phê duyệt" in cast.client("admin").get(url).content.decode()
    )


def test_history_of_an_indicator_shows_old_and_new_values_and_who(cast: Cast) -> None:
    save_leaf(cast, "2.1", count="7")
    entry = cast.entry("2.1")
    text = (
        cast.client("leader")
        .get(reverse("collection:entry_history", args=[cast.mine.pk, entry.pk]))
        .content.decode()
    )
    assert "entry.update" in text and "reporter" in text and "count: 7" in text


def test_the_auditor_filters_the_log_by_unit_user_action_and_dates(cast: Cast) -> None:
    save_leaf(cast, "2.1", count="7")
    cast.fill(cast.theirs)
    client = cast.client("auditor")
    url = reverse("collection:audit")
    everything = client.get(url).content.decode()
    assert "Xã A" in everything and "Xã B" in everything
    mine = client.get(url, {"unit": cast.commune.pk, "action": "entry.update"}).content.decode()
    assert "Xã A" in mine and "· Xã B" not in mine
    by_user = client.get(url, {"user": cast.outsider.pk}).content.decode()
    assert "<td>outsider</td>" in by_user and "<td>reporter</td>" not in by_user
    future = client.get(url, {"since": "01/01/2099"}).content.decode()
    assert "Chưa có thay đổi nào" in future


def test_the_admin_opens_a_period_for_every_commune(cast: Cast) -> None:
    data = {
        "version": cast.version.pk,
        "period": "2026",
        "closes_on": "31/01/2027",
        "kind": "commune",
    }
    response = cast.client("admin").post(reverse("collection:open_period"), data)
    assert response.status_code == 302
    opened = cast.version.assessments.filter(period__code="2026")
    assert sorted(a.unit.code for a in opened) == ["t.xa-a", "t.xa-b"]
    assert opened.first().period.closes_on.isoformat() == "2027-01-31"  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="period.schedule").exists()


def test_the_landing_page_does_not_grow_its_queries_with_assessments(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    client = cast.client("admin")
    client.get(reverse("collection:home"))
    with django_assert_max_num_queries(14):
        client.get(reverse("collection:home"))


def test_the_assessment_page_does_not_grow_its_queries_with_indicators_or_evidence(
    cast: Cast, django_assert_max_num_queries: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        cast.fill()
    for code in ("1.1", "1.2", "2.1"):
        cast.plan().entries.add(cast.entry(code))
    client = cast.client("reporter")
    url = reverse("collection:detail", args=[cast.mine.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200


# --- opening a period: one province, searchable ----------------------------------------------


def _other_province() -> Unit:
    other = Unit.objects.create(code="k", kind="province", name="Tỉnh Khác")
    Unit.objects.create(code="k.xa-c", kind="commune", name="Xã Cẩm Lộc", parent=other)
    return other


def _options(page: str, name: str) -> list[str]:
    start = page.index(f'name="{name}"')
    select = page[start : page.index("</select>", start)]
    return re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)


def test_the_province_admin_is_offered_only_the_units_of_their_province(cast: Cast) -> None:
    _other_province()
    page = html.unescape(cast.client("admin").get(reverse("collection:open_period")).text)
    units = _options(page, "units")
    assert "Xã A" in units and "Xã B" in units
    assert "Xã Cẩm Lộc" not in units and "Tỉnh Khác" not in page
    assert 'name="province"' in page and 'type="hidden"' in page  # no province to pick


def test_a_superuser_picks_the_province_first(cast: Cast) -> None:
    other = _other_province()
    root = User.objects.create_superuser("root", "root@example.org", "x")
    client = cast.client(None)
    client.force_login(root)
    url = reverse("collection:open_period")
    first = html.unescape(client.get(url).text)
    assert _options(first, "province") == ["Tỉnh Khác", "Tỉnh Thử"]
    assert 'name="units"' not in first  # no units before a province is chosen
    chosen = html.unescape(client.get(url, {"province": other.pk}).text)
    assert sorted(_options(chosen, "units")) == ["Tỉnh Khác", "Xã Cẩm Lộc"]
    data = {"province": other.pk, "version": cast.version.pk, "period": "2026", "kind": "commune"}
    assert client.post(url, data).status_code == 302
    opened = cast.version.assessments.filter(period__code="2026")
    assert [a.unit.code for a in opened] == ["k.xa-c"]  # not the communes of Tỉnh Thử


def test_the_unit_list_is_searchable_without_diacritics(cast: Cast) -> None:
    client = cast.client("admin")
    url = reverse("collection:open_period")
    page = html.unescape(client.get(url, {"q": "xa a"}).text)
    assert _options(page, "units") == ["Xã A"]
    assert "1/4 đơn vị" in page  # of the province, its office and its two communes
    data = {"q": "xa a", "version": cast.version.pk, "period": "2026", "units": [cast.commune.pk]}
    assert client.post(url, data).status_code == 302
    assert [a.unit for a in cast.version.assessments.filter(period__code="2026")] == [cast.commune]


def test_a_unit_of_another_province_cannot_be_posted(cast: Cast) -> None:
    other = _other_province()
    foreign = Unit.objects.get(code="k.xa-c")
    data = {"version": cast.version.pk, "period": "2026", "units": [foreign.pk]}
    response = cast.client("admin").post(reverse("collection:open_period"), data)
    assert response.status_code == 200 and "units" in response.context["form"].errors
    forged = {**data, "province": other.pk}  # a province the admin does not administer
    page = cast.client("admin").post(reverse("collection:open_period"), forged).text
    assert "Xã Cẩm Lộc" not in html.unescape(page)
    assert not cast.version.assessments.filter(period__code="2026").exists()


# --- links to the Excel round trip, the sheet import and API tokens --------------------------


def _links(cast: Cast, who: str) -> set[str]:
    page = cast.client(who).get(reverse("collection:detail", args=[cast.mine.pk])).text
    pk = cast.mine.pk
    urls = {
        "template": reverse("exports:template", args=[pk]),
        "upload": reverse("exports:upload", args=[pk]),
        "sheet": reverse("exports:sheet", args=[pk]),
        "tokens": reverse("api:tokens"),
    }
    return {name for name, url in urls.items() if f'href="{url}"' in page}


def test_each_role_is_linked_to_the_tools_it_may_use(cast: Cast) -> None:
    assert _links(cast, "reporter") == {"template", "upload", "sheet", "tokens"}
    assert _links(cast, "admin") == {"template", "sheet", "tokens"}
    assert _links(cast, "leader") == {"template", "tokens"}
    assert _links(cast, "head") == {"template", "tokens"}


def test_every_linked_tool_opens_for_whoever_sees_the_link(cast: Cast) -> None:
    for who in ("reporter", "admin", "leader"):
        page = cast.client(who).get(reverse("collection:detail", args=[cast.mine.pk])).text
        for url in re.findall(r'href="(/(?:exports|api)/[^"#]+)"', page):
            assert cast.client(who).get(url).status_code == 200, (who, url)


def test_after_submission_the_reporter_no_longer_gets_the_sheet_import(cast: Cast) -> None:
    cast.fill()
    cast.plan()
    transition(cast.mine, "submit", cast.reporter)
    assert "sheet" not in _links(cast, "reporter")
    assert "sheet" in _links(cast, "admin")


# --- accessibility of the whole assessment page ----------------------------------------------


class Audit(HTMLParser):
    """What an accessibility check needs from a page: every form control, every label, every
    id, and every id referenced by aria-describedby / aria-labelledby / label[for]."""

    CONTROLS = ("input", "select", "textarea")

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.controls: list[dict[str, str]] = []
        self.labelled: set[str] = set()
        self.references: list[tuple[str, str]] = []
        self.live: list[dict[str, str]] = []
        self.tabindex: list[str] = []
        self._open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        for key in ("aria-describedby", "aria-labelledby"):
            self.references += [(key, ref) for ref in a.get(key, "").split()]
        if tag == "label":
            self._open_labels += 1
            if a.get("for"):
                self.labelled.add(a["for"])
        if tag in self.CONTROLS and a.get("type") not in ("hidden", "submit", "button"):
            self.controls.append({**a, "_in_label": "1" if self._open_labels else ""})
        if a.get("aria-live"):
            self.live.append(a)
        if a.get("tabindex", "").lstrip("-").isdigit() and int(a["tabindex"]) > 0:
            self.tabindex.append(a["tabindex"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._open_labels -= 1


def audit(page: str) -> Audit:
    found = Audit()
    found.feed(page)
    unlabelled = [
        c for c in found.controls
        if not (c.get("id") in found.labelled or c["_in_label"] or c.get("aria-label"))
    ]  # fmt: skip
    assert not unlabelled, unlabelled
    missing = [(k, ref) for k, ref in found.references if ref not in found.ids]
    assert not missing, missing
    duplicates = sorted({i for i in found.ids if found.ids.count(i) > 1})
    assert not duplicates, duplicates
    assert not found.tabindex  # the order of the page is the keyboard order
    return found


def test_the_assessment_page_is_labelled_and_its_references_resolve(cast: Cast) -> None:
    cast.fill()
    cast.plan()
    Evidence.objects.create(unit=cast.commune, kind="document", number="3/KH", summary="x")
    for who in ("reporter", "admin", "leader"):
        page = cast.client(who).get(reverse("collection:detail", args=[cast.mine.pk])).text
        found = audit(page)
        status = [a for a in found.live if a.get("id") == "autosave-status"]
        assert status and status[0]["aria-live"] == "polite" and status[0]["role"] == "status"


def test_the_page_drawn_again_after_errors_links_each_error_to_its_box(cast: Cast) -> None:
    a, b = cast.entry("2.1"), cast.entry("1.1")
    data = {
        f"in-{a.pk}-count": "-3",
        f"in-{b.pk}-numerator": "9",
        f"in-{b.pk}-denominator": "5",
        "rev": cast.reload().revision,
    }
    response = cast.client("reporter").post(reverse("collection:save", args=[cast.mine.pk]), data)
    page = response.content.decode()
    found = audit(page)
    box = next(c for c in found.controls if c.get("name") == f"in-{a.pk}-count")
    assert box.get("aria-invalid") == "true"
    assert f"err-{a.pk}" not in box["aria-describedby"]  # sanity: ids carry the full key
    assert f"err-in-{a.pk}-count" in box["aria-describedby"].split()
    ratio = next(c for c in found.controls if c.get("name") == f"in-{b.pk}-numerator")
    assert f"msg-{b.pk}" in ratio["aria-describedby"].split()  # numerator > denominator
    assert f'href="#f-in-{a.pk}-count"' in page  # the summary at the top links to the box
    assert 'id="problems"' in page and "autofocus" in page


def test_the_evidence_form_drawn_again_after_an_error_passes_the_same_checks(cast: Cast) -> None:
    entry = cast.entry("1.2")
    url = reverse("collection:add_evidence", args=[cast.mine.pk, entry.pk])
    data = {"kind": "document", "number": "", "issued_on": "2020-01-01", "summary": ""}
    response = cast.client("reporter").post(url, data)
    assert response.status_code == 400
    found = audit(response.content.decode())
    invalid = {c["name"] for c in found.controls if c.get("aria-invalid") == "true"}
    assert {"number", "summary", "issued_on"} <= invalid


def test_autosave_updates_the_live_region_without_replacing_it(cast: Cast) -> None:
    page = save_leaf(cast, "2.1", count="7").content.decode()
    assert '<p id="autosave-status" hx-swap-oob="innerHTML">Đã lưu 2.1' in page
