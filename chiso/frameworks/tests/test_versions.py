"""Versioning: CSV additions, unchanged reloads, in-place replacement, used versions frozen."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from chiso.accounts.models import AuditEvent
from chiso.frameworks.models import Framework, FrameworkVersion, Indicator, VersionInUseError
from chiso.frameworks.services import (
    DATA_DIR,
    LoadAction,
    ensure_version_editable,
    load_builtin_frameworks,
    load_framework,
)

SUBS_CSV = Path(__file__).parent / "data" / "dti-2022-subs.csv"
DTI_2022 = DATA_DIR / "dti-province-2022.yaml"
SMALL = """\
code: small
title: Bộ thử
status: example
provenance: tệp thử
default_rule: {kind: manual}
tree:
  - {code: "1", name: Nhóm 1, level: main, children: [
      {code: "1.1", name: Tiêu chí 1.1, level: sub, max_points: %(max)s},
      {code: "1.2", name: Tiêu chí 1.2, level: sub, max_points: 10}]}
"""

pytestmark = pytest.mark.django_db


def write_small(tmp_path: Path, max_points: float = 10) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL % {"max": max_points}, encoding="utf-8")
    return path


def use(version: FrameworkVersion) -> None:
    """An assessment against `version`, as the collection app would create it."""
    unit = apps.get_model("org", "Unit").objects.create(
        code="t-unit", kind="commune", name="Xã Thử"
    )
    period = apps.get_model("collection", "Period").objects.create(
        code="2024", kind="year", start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
    )
    apps.get_model("collection", "Assessment").objects.create(
        unit=unit, version=version, period=period
    )


def codes(version: FrameworkVersion) -> list[str]:
    return list(version.indicators.values_list("code", flat=True))


def test_a_csv_of_sub_indicators_adds_a_version_under_the_published_mains() -> None:
    load_framework(DTI_2022, actor="test")
    use(Framework.objects.get(code="dti-province-2022").latest_version())  # type: ignore[arg-type]
    result = load_framework(SUBS_CSV, framework_code="dti-province-2022", actor="test")
    assert (result.action, result.version_number) == (LoadAction.NEW_VERSION, 2)
    version = FrameworkVersion.objects.get(framework__code="dti-province-2022", number=2)
    rows = {i.code: i for i in version.indicators.all()}
    assert codes(version)[:6] == ["I", "1", "1.1", "1.2", "1.3", "2"]
    assert (rows["1"].is_leaf, rows["1"].rule_kind) == (False, "")
    assert (rows["2"].is_leaf, rows["2"].rule_kind) == (True, "direct")
    assert rows["1.3"].rule_kind == "manual"  # the version's default_rule
    assert rows["7.1"].rule_params == {"full_at": 0.8}
    assert version.views[0]["scale"] == 700 and version.scale == 1000
    assert result.leaf_count == 9 - 2 + 5


def test_reloading_the_same_csv_is_unchanged() -> None:
    load_framework(DTI_2022, actor="test")
    load_framework(SUBS_CSV, framework_code="dti-province-2022", actor="test")
    again = load_framework(SUBS_CSV, framework_code="dti-province-2022", actor="test")
    assert again.action == LoadAction.UNCHANGED


def test_reloading_the_same_yaml_is_unchanged_and_still_audited() -> None:
    first = load_framework(DTI_2022, actor="test")
    again = load_framework(DTI_2022, actor="test")
    assert (first.action, again.action) == (LoadAction.CREATED, LoadAction.UNCHANGED)
    assert again.checksum == first.checksum
    assert AuditEvent.objects.filter(action="framework.load").count() == 2


def test_an_unused_latest_version_is_replaced_in_place(tmp_path: Path) -> None:
    load_framework(write_small(tmp_path, 10), actor="test")
    result = load_framework(write_small(tmp_path, 15), actor="test")
    assert (result.action, result.version_number) == (LoadAction.REPLACED, 1)
    assert FrameworkVersion.objects.filter(framework__code="small").count() == 1
    assert Indicator.objects.get(code="1", version__framework__code="small").max_points == 25


def test_a_used_version_is_never_modified_and_a_change_makes_version_2(tmp_path: Path) -> None:
    load_framework(write_small(tmp_path, 10), actor="test")
    v1 = FrameworkVersion.objects.get(framework__code="small", number=1)
    use(v1)
    before = list(v1.indicators.values_list("code", "max_points", "rule_kind"))
    result = load_framework(write_small(tmp_path, 15), actor="test")
    assert (result.action, result.version_number) == (LoadAction.NEW_VERSION, 2)
    assert list(v1.indicators.values_list("code", "max_points", "rule_kind")) == before
    assert Indicator.objects.get(code="1", version__number=2).max_points == 25


def test_nothing_can_edit_or_delete_an_indicator_of_a_used_version(tmp_path: Path) -> None:
    load_framework(write_small(tmp_path), actor="test")
    v1 = FrameworkVersion.objects.get(framework__code="small")
    use(v1)
    indicator = v1.indicators.get(code="1.1")
    indicator.max_points = 99
    with pytest.raises(VersionInUseError):
        indicator.save()
    with pytest.raises(VersionInUseError):
        indicator.delete()
    with pytest.raises(VersionInUseError):
        ensure_version_editable(v1)


def test_a_csv_without_framework_or_with_an_unknown_one_is_refused() -> None:
    from chiso.frameworks.formats import FrameworkFileError

    with pytest.raises(FrameworkFileError, match="--framework"):
        load_framework(SUBS_CSV, actor="test")
    with pytest.raises(FrameworkFileError, match="Chưa có bộ chỉ số mã “khong-co”"):
        load_framework(SUBS_CSV, framework_code="khong-co", actor="test")


def test_builtins_do_not_roll_back_a_version_an_administrator_loaded() -> None:
    load_framework(DTI_2022, actor="test")
    load_framework(SUBS_CSV, framework_code="dti-province-2022", actor="test")
    results = {r.framework_code: r for r in load_builtin_frameworks(actor="test")}
    assert results["dti-province-2022"].action == LoadAction.SKIPPED
    assert results["dti-province-2022"].source_name == "dti-2022-subs.csv"


def test_the_command_prints_what_it_loaded() -> None:
    out = StringIO()
    call_command("load_framework", str(DTI_2022), stdout=out)
    assert out.getvalue().startswith("Đã nạp bộ chỉ số mới dti-province-2022@1")


def test_the_command_exits_1_and_lists_problems_on_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: x\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("load_framework", str(bad), stderr=err)
    assert exit_info.value.code == 1
    assert "bad.yaml: Thiếu trường bắt buộc “title”." in err.getvalue()
