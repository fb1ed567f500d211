"""Dates inside the period: evidence issued within the period or the twelve months before
it (and never after it ends), and an entry's "Hạn xử lý" that must be a real date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from chiso.accounts.models import AuditEvent
from chiso.collection.evidence import (
    EvidenceError,
    add_document_reference,
    carry_forward,
    check_issued_on,
    evidence_window,
)
from chiso.collection.models import Evidence
from chiso.collection.services import (
    CollectionError,
    EntryChange,
    apply_changes,
    ensure_period,
    open_assessments,
)
from chiso.collection.tests.test_workflow import Cast

D = dt.date


@pytest.fixture
def cast(db: None, tmp_path: Path, settings: Any) -> Cast:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return Cast(tmp_path)


def _reference(cast: Cast, issued_on: dt.date) -> Evidence:
    entry = cast.assessment.entries.get(indicator__code="1.2")
    return add_document_reference(
        cast.commune, cast.reporter, number="5/KH-UBND", issued_on=issued_on,
        signer="Chủ tịch", summary="Kế hoạch", entries=[entry],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("code", "earliest", "latest"),
    [
        ("2025", D(2024, 1, 1), D(2025, 12, 31)),
        ("2025-Q3", D(2024, 7, 1), D(2025, 9, 30)),
        ("2025-03", D(2024, 3, 1), D(2025, 3, 31)),
    ],
)
def test_the_window_is_the_period_and_the_twelve_months_before_it(
    db: None, code: str, earliest: dt.date, latest: dt.date
) -> None:
    period = ensure_period(code)
    assert evidence_window(period) == (earliest, latest)
    assert check_issued_on(earliest, period) is None
    assert check_issued_on(latest, period) is None
    assert check_issued_on(None, period) is None
    assert check_issued_on(earliest - dt.timedelta(days=1), period) is not None
    assert check_issued_on(latest + dt.timedelta(days=1), period) is not None


def test_a_document_long_before_the_period_is_refused_naming_field_and_period(
    cast: Cast,
) -> None:
    with pytest.raises(EvidenceError) as caught:
        _reference(cast, D(2023, 12, 31))
    (message,) = caught.value.fields["issued_on"]
    assert "Ngày ban hành 31/12/2023" in message and "Năm 2025" in message
    assert "từ 01/01/2024 đến 31/12/2025" in message
    assert not Evidence.objects.exists()  # the reference is not kept either


def test_a_document_of_the_year_before_backs_the_period(cast: Cast) -> None:
    item = _reference(cast, D(2024, 1, 1))
    assert item.entries.count() == 1


def test_reuse_skips_what_is_too_old_for_the_new_period(cast: Cast) -> None:
    entry = cast.assessment.entries.get(indicator__code="1.2")
    recent = Evidence.objects.create(
        unit=cast.commune, kind="document", number="2/KH", issued_on=D(2025, 6, 1)
    )
    old = Evidence.objects.create(
        unit=cast.commune, kind="document", number="1/KH", issued_on=D(2024, 5, 1)
    )
    entry.evidence.add(recent, old)
    (later,) = open_assessments(cast.version, ensure_period("2026"), [cast.commune], "t")
    assert carry_forward(later, cast.reporter) == 1
    reused = later.entries.get(indicator__code="1.2").evidence.get()
    assert reused.number == "2/KH"


def _due(cast: Cast, value: Any) -> None:
    apply_changes(cast.assessment, [EntryChange("1.1", due=value)], cast.reporter)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("30/9/2025", D(2025, 9, 30)),
        ("2025-09-30", D(2025, 9, 30)),
        (D(2025, 9, 30), D(2025, 9, 30)),
        (dt.datetime(2025, 9, 30, 8, 0), D(2025, 9, 30)),
    ],
)
def test_the_due_date_of_an_entry_is_stored_as_a_date(
    cast: Cast, typed: Any, stored: dt.date
) -> None:
    _due(cast, typed)
    assert cast.assessment.entries.get(indicator__code="1.1").due == stored


@pytest.mark.parametrize("typed", ["31/02/2025", "cuối năm", 45000, "30/9"])
def test_a_due_date_that_is_not_a_real_date_is_refused_naming_the_field(
    cast: Cast, typed: Any
) -> None:
    with pytest.raises(CollectionError) as caught:
        _due(cast, typed)
    assert "Hạn xử lý" in caught.value.messages[0] and str(typed) in caught.value.messages[0]
    assert cast.assessment.entries.get(indicator__code="1.1").due is None


def test_an_empty_due_date_clears_it_with_an_audit_row_and_a_new_revision(cast: Cast) -> None:
    _due(cast, "30/9/2025")
    revision = cast.assessment.revision
    _due(cast, "")
    assert cast.assessment.entries.get(indicator__code="1.1").due is None
    assert cast.assessment.revision == revision + 1
    row = AuditEvent.objects.filter(action="entry.update").order_by("id").last()
    assert row is not None and (row.old, row.new) == ({"due": "2025-09-30"}, {"due": None})


def test_a_due_date_left_as_none_stays_as_it_is(cast: Cast) -> None:
    _due(cast, "30/9/2025")
    apply_changes(cast.assessment, [EntryChange("1.1", owner="Chị Lan")], cast.reporter)
    entry = cast.assessment.entries.get(indicator__code="1.1")
    assert (entry.owner, entry.due) == ("Chị Lan", D(2025, 9, 30))
