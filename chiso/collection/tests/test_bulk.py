"""`bulk_apply_changes`: many assessments' changes checked whole, then written in bulk.

PostgreSQL merges them in the database (COPY into a temporary table, an UPDATE per chunk of
assessments, sent in pipeline mode while the caller makes the next chunk); SQLite merges them in
Python. The test command runs this file on both, so both paths must give the same entries,
the same count and the same messages; every test runs with the usual chunk and with one
assessment a chunk, so that a problem in a later chunk must undo the chunks merged before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model

from chiso.collection import bulk
from chiso.collection.bulk import bulk_apply_changes, bulk_apply_stream
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import (
    CollectionError,
    EntryChange,
    ensure_period,
    open_assessments,
)
from chiso.collection.tests.test_cohort_sheet import leaf
from chiso.collection.tests.test_cohort_sheet import version as version  # the fixture
from chiso.frameworks.models import FrameworkVersion
from chiso.org.models import Unit


@pytest.fixture(autouse=True, params=["usual chunk", "one assessment a chunk"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    if request.param != "usual chunk":
        monkeypatch.setattr(bulk, "CHUNK", 1)
    return bulk.CHUNK


@pytest.fixture
def assessments(version: FrameworkVersion) -> list[Assessment]:
    province = Unit.objects.create(code="tinh", kind="province", name="Tỉnh Thử")
    units = [
        Unit.objects.create(code=f"tinh.xa-{i}", kind="commune", name=f"Xã {i}", parent=province)
        for i in (1, 2, 3)
    ]
    return open_assessments(version, ensure_period("2025"), units, "test")


def entry(assessment: Assessment, code: str) -> Entry:
    return Entry.objects.get(assessment=assessment, indicator__code=code)


def revisions(assessments: list[Assessment]) -> list[int]:
    return [Assessment.objects.get(pk=a.pk).revision for a in assessments]


def test_changes_of_many_assessments_are_merged_into_their_entries(
    version: FrameworkVersion, assessments: list[Assessment]
) -> None:
    ratio, manual = leaf(version, "ratio"), leaf(version, "manual")
    first, second, third = assessments
    user = get_user_model().objects.create_user("nhap.lieu", password="x-Strong-9")
    entry(first, manual).__class__.objects.filter(pk=entry(first, manual).pk).update(
        owner="Anh Tuấn", note="giữ nguyên"
    )
    before = revisions(assessments)
    changed = bulk_apply_changes(
        {
            first: [
                EntryChange(ratio, {"numerator": 3, "denominator": 4}, where="dòng 2"),
                EntryChange(ratio, {"numerator": 2, "denominator": 4}, "appraisal"),
                EntryChange(manual, {"points": 1.5}, progress="done", due="30/9/2025"),
            ],
            second: [
                EntryChange(manual, {"points": 2}, owner="Chị Lan", note="biên bản số 12"),
                EntryChange(manual, {"points": 2.5}),  # a later change of the field wins
            ],
            third: [],
        },
        user,
    )
    assert changed == 3  # entries, not changes: the ratio's two stages are one entry
    got = entry(first, ratio)
    assert got.self_inputs == {"numerator": 3, "denominator": 4}
    assert got.appraisal_inputs == {"numerator": 2, "denominator": 4}
    assert got.final_inputs is None
    assert got.updated_by == user
    got = entry(first, manual)
    assert (got.self_inputs, got.progress, got.due) == (
        {"points": 1.5},
        "done",
        dt.date(2025, 9, 30),
    )
    assert (got.owner, got.note) == ("Anh Tuấn", "giữ nguyên")  # fields not given are kept
    got = entry(second, manual)
    assert (got.self_inputs, got.owner, got.note) == ({"points": 2.5}, "Chị Lan", "biên bản số 12")
    after = revisions(assessments)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 0]


def test_the_same_changes_again_change_nothing(
    version: FrameworkVersion, assessments: list[Assessment]
) -> None:
    manual = leaf(version, "manual")
    batch = {a: [EntryChange(manual, {"points": 1.25}, owner="Tổ CĐS")] for a in assessments}
    assert bulk_apply_changes(batch, "test") == 3
    stamp = entry(assessments[0], manual).updated_at
    before = revisions(assessments)
    assert bulk_apply_changes(batch, "test") == 0
    assert revisions(assessments) == before
    assert entry(assessments[0], manual).updated_at == stamp
    # A float equal to the stored integer is the same value (jsonb and Python agree).
    whole = {assessments[0]: [EntryChange(manual, {"points": 2})]}
    assert bulk_apply_changes(whole, "test") == 1
    assert bulk_apply_changes({assessments[0]: [EntryChange(manual, {"points": 2.0})]}, "t") == 0


def test_every_problem_is_listed_in_order_and_nothing_is_written(
    version: FrameworkVersion, assessments: list[Assessment]
) -> None:
    manual, boolean = leaf(version, "manual"), leaf(version, "boolean")
    first, second, _third = assessments
    Entry.objects.filter(assessment=second, indicator__code=boolean).delete()
    snapshot = list(Entry.objects.order_by("pk").values_list("self_inputs", "progress", "due"))
    with pytest.raises(CollectionError) as caught:
        bulk_apply_changes(
            {
                first: [
                    EntryChange(manual, {"points": 1}, where="dòng 2"),  # valid
                    EntryChange("9.9.9", {"points": 1}, where="dòng 3"),
                    EntryChange(manual, {"points": 1}, "khác", where="dòng 4"),
                    EntryChange(manual, {"points": 1}, progress="xong", where="dòng 5"),
                    EntryChange(manual, {"points": 1}, due="31/02/2025", where="dòng 6"),
                ],
                second: [
                    EntryChange(boolean, {"value": 1}, where="dòng 7"),  # no such entry
                    EntryChange(manual, {"points": -1}, where="dòng 8"),
                ],
            },
            "test",
        )
    messages = caught.value.messages
    assert messages[0] == "dòng 3: mã chỉ tiêu '9.9.9' không có trong bản đánh giá"
    assert messages[1] == "dòng 4: giai đoạn 'khác' không hợp lệ"
    assert messages[2] == "dòng 5: tình trạng 'xong' không hợp lệ"
    assert messages[3].startswith(f"dòng 6: {manual} · Hạn xử lý: '31/02/2025'")
    assert messages[4] == f"dòng 7: mã chỉ tiêu '{boolean}' không có trong bản đánh giá"
    assert messages[5].startswith(f"dòng 8: {manual} · ") and "không được âm" in messages[5]
    assert len(messages) == 6
    after = list(Entry.objects.order_by("pk").values_list("self_inputs", "progress", "due"))
    assert after == snapshot


def test_checked_inputs_are_not_checked_again(
    version: FrameworkVersion, assessments: list[Assessment]
) -> None:
    """The sheet parsers validate every value to name its row and column; the bulk writer
    then trusts them (`inputs_checked`), but still refuses unknown codes and entries."""
    manual = leaf(version, "manual")
    batch = {assessments[0]: [EntryChange(manual, {"points": 0.5})]}
    assert bulk_apply_changes(batch, "test", inputs_checked=True) == 1
    unknown = {assessments[0]: [EntryChange("0.0", {"points": 1}, where="dòng 9")]}
    with pytest.raises(CollectionError, match=re.escape("dòng 9: mã chỉ tiêu '0.0'")):
        bulk_apply_changes(unknown, "test", inputs_checked=True)


def test_a_missing_entry_in_a_later_assessment_undoes_the_earlier_ones(
    version: FrameworkVersion, assessments: list[Assessment]
) -> None:
    manual, boolean = leaf(version, "manual"), leaf(version, "boolean")
    first, second, third = assessments
    Entry.objects.filter(assessment=third, indicator__code=boolean).delete()
    with pytest.raises(CollectionError) as caught:
        bulk_apply_changes(
            {
                first: [EntryChange(manual, {"points": 1.5})],
                second: [EntryChange(manual, {"points": 2.5})],
                third: [EntryChange(boolean, {"value": 1}, where="dòng 9")],
            },
            "test",
        )
    assert caught.value.messages == [f"dòng 9: mã chỉ tiêu '{boolean}' không có trong bản đánh giá"]
    assert [entry(a, manual).self_inputs for a in (first, second)] == [{}, {}]  # as opened
    assert revisions(assessments) == [0, 0, 0]


def test_a_failure_of_the_caller_while_it_makes_the_changes_writes_nothing(
    version: FrameworkVersion, assessments: list[Assessment]
) -> None:
    """The changes are made while earlier ones are merged: an error of the caller's own
    (here in the stream) is raised as it is, the pipeline is left, nothing is kept."""
    manual = leaf(version, "manual")

    def stream() -> Iterator[tuple[Assessment, list[EntryChange]]]:
        yield assessments[0], [EntryChange(manual, {"points": 1})]
        yield assessments[1], [EntryChange(manual, {"points": 2})]
        raise RuntimeError("hỏng giữa chừng")

    with pytest.raises(RuntimeError, match="hỏng giữa chừng"):
        bulk_apply_stream(assessments, stream(), "test")
    assert [entry(a, manual).self_inputs for a in assessments] == [{}, {}, {}]  # as opened
    # the connection is usable afterwards, in a new transaction
    assert bulk_apply_changes({assessments[2]: [EntryChange(manual, {"points": 3})]}, "t") == 1
