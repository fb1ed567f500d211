from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chiso.accounts.models import AuditEvent
from chiso.org.loaders import LoadError, load_organisations
from chiso.org.models import Lineage, PeerGroup, Unit

from .conftest import NGHE_AN_YAML

GOOD_HEAD = """
province: nghe-an
units:
  - {code: nghe-an.so-a, kind: department, name: Sở A}
"""


def counts() -> tuple[int, int, int, int]:
    return (
        Unit.objects.count(),
        Lineage.objects.count(),
        PeerGroup.objects.count(),
        AuditEvent.objects.count(),
    )


def test_nghe_an_file_loads_departments_history_and_groups(nghe_an_organisations: None) -> None:
    khcn = Unit.objects.get(code="nghe-an.so-khoa-hoc-va-cong-nghe")
    tttt = Unit.objects.get(code="h-nghe-an.so-thong-tin-va-truyen-thong")
    assert (khcn.kind, khcn.parent.code, khcn.abbreviation) == ("department", "nghe-an", "Sở KH&CN")
    assert str(tttt.valid_to) == "2025-02-28"
    edge = tttt.successions.get()
    assert (edge.successor, edge.kind, str(edge.date)) == (khcn, "merged_into", "2025-03-01")
    assert Unit.objects.get(code="nghe-an.viettel").kind == "other"
    sizes = {g.code: g.members.count() for g in PeerGroup.objects.all()}
    assert sizes["nghe-an.phuong"] + sizes["nghe-an.xa"] == 130
    assert sizes["nghe-an.so-nhom-a"] == 9 and sizes["nghe-an.so-nhom-b"] == 7
    assert sizes["vn.provinces"] == 2  # only Nghệ An and Tây Ninh are loaded here


def test_loading_the_same_file_twice_changes_nothing(nghe_an_organisations: None) -> None:
    before = counts()
    again = load_organisations(NGHE_AN_YAML)
    assert (again.total_changed, again.total_created) == (0, 0)
    assert counts() == (before[0], before[1], before[2], before[3] + 1)  # one audit row


def test_editing_a_name_updates_the_unit_in_place(
    nghe_an_and_tay_ninh: None, tmp_path: Path
) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(GOOD_HEAD, encoding="utf-8")
    load_organisations(path)
    path.write_text(GOOD_HEAD.replace("Sở A}", "Sở Á, abbreviation: SA}"), encoding="utf-8")
    report = load_organisations(path)
    assert report.updated == {"department": 1}
    assert Unit.objects.search("so a").get().abbreviation == "SA"


BAD_FILES = {
    "unknown parent": (
        GOOD_HEAD
        + "  - {code: nghe-an.so-b, kind: department, name: B, parent: nghe-an.khong-co}\n",
        "units[1] (nghe-an.so-b): đơn vị cha “nghe-an.khong-co” không tồn tại",
    ),
    "duplicate code": (
        GOOD_HEAD + "  - {code: nghe-an.so-a, kind: department, name: Sở A lần hai}\n",
        "units[1] (nghe-an.so-a): mã “nghe-an.so-a” bị trùng",
    ),
    "bad kind": (
        GOOD_HEAD + "  - {code: nghe-an.so-c, kind: ministry, name: C}\n",
        "units[1] (nghe-an.so-c): loại “ministry” không hợp lệ",
    ),
    "unknown key": (
        GOOD_HEAD + "  - {code: nghe-an.so-d, kind: other, name: D, parnet: nghe-an}\n",
        "units[1] (nghe-an.so-d): khóa “parnet” không được hỗ trợ",
    ),
    "unknown successor": (
        GOOD_HEAD
        + "  - code: h-nghe-an.so-e\n    kind: department\n    name: E\n"
        + "    successors: [{code: nghe-an.khong-co, date: 2025-03-01}]\n",
        "units[1] (h-nghe-an.so-e): đơn vị kế thừa “nghe-an.khong-co” không tồn tại",
    ),
    "unknown group member": (
        GOOD_HEAD + "peer_groups:\n  - {code: g, name: G, members: [nghe-an.khong-co]}\n",
        "peer_groups[0] (g): đơn vị “nghe-an.khong-co” không tồn tại",
    ),
    "code of an administrative unit": (
        GOOD_HEAD + "  - {code: nghe-an.xa-nghi-loc, kind: other, name: X}\n",
        "mã “nghe-an.xa-nghi-loc” đã dùng cho một đơn vị loại commune",
    ),
    "not yaml": ("units: [\n", "không đọc được tệp"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_naming_file_and_entry_and_nothing_changes(
    nghe_an_and_tay_ninh: None, tmp_path: Path, case: str
) -> None:
    text, message = BAD_FILES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    before = counts()
    with pytest.raises(LoadError) as caught:
        load_organisations(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert counts() == before


def test_the_command_loads_divisions_and_organisations(db: None) -> None:
    out = StringIO()
    call_command(
        "load_units",
        "--province",
        "nghe-an",
        "--organisations",
        str(NGHE_AN_YAML),
        stdout=out,
        stderr=StringIO(),
    )
    assert "tạo 131 đơn vị" in out.getvalue()
    assert Unit.objects.filter(code="nghe-an.so-tai-chinh").exists()


def test_the_command_reports_a_bad_file_without_changing_anything(
    nghe_an_and_tay_ninh: None, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_FILES["bad kind"][0], encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError, match="loại “ministry” không hợp lệ"):
        call_command("load_units", "--skip-divisions", "--organisations", str(path))
    assert counts() == before
