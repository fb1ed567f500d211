"""A table of bad framework files: each is refused with its place and a Vietnamese message,
and the database is left exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from chiso.frameworks.formats import MAX_PROBLEMS, FrameworkFileError
from chiso.frameworks.models import Framework, FrameworkVersion, Indicator
from chiso.frameworks.services import load_framework

HEAD = """\
code: thu
title: Bộ thử
status: example
provenance: tệp thử
"""
CSV_HEAD = "code,parent_code,level,name_vi,max_points,unit,method_vi,evidence_vi\n"
GOOD_TREE = """\
tree:
  - code: "1"
    name: Nhóm 1
    level: main
    children:
      - {code: "1.1", name: Tiêu chí, level: sub, max_points: 10, rule: {kind: boolean}}
"""


def yaml_with(tree: str, extra: str = "") -> str:
    return HEAD + extra + tree


def leaf(rule: str = "{kind: boolean}", max_points: str = "10", code: str = '"1.1"') -> str:
    node = f"{{code: {code}, name: Lá, level: main, max_points: {max_points}, rule: {rule}}}"
    return f"tree:\n  - {node}\n"


# (id, {file name: content}, file reported, place reported, message fragment)
CASES = [
    (
        "unknown-rule-kind",
        {"f.yaml": yaml_with(leaf("{kind: magic}"))},
        "f.yaml",
        "tree[0] (mã 1.1)",
        "Cách tính điểm “magic” không tồn tại",
    ),
    (
        "bad-rule-params",
        {"f.yaml": yaml_with(leaf("{kind: ratio, full_at: 2}"))},
        "f.yaml",
        "tree[0] (mã 1.1)",
        "Tham số của cách tính điểm “ratio” không hợp lệ: rule 'ratio': full_at",
    ),
    (
        "steps-above-max",
        {"f.yaml": yaml_with(leaf("{kind: steps, steps: [[1, 50]]}"))},
        "f.yaml",
        "tree[0] (mã 1.1)",
        "Tham số của cách tính điểm “steps” không hợp lệ",
    ),
    (
        "duplicate-code",
        {
            "f.yaml": yaml_with(
                GOOD_TREE
                + '  - {code: "1", name: Lại, level: main, max_points: 5, rule: {kind: manual}}\n'
            )
        },
        "f.yaml",
        "tree[1] (mã 1)",
        "Mã “1” bị trùng (đã có ở tree[0] (mã 1)).",
    ),
    (
        "unknown-parent",
        {
            "f.yaml": yaml_with("tree_csv: t.csv\n"),
            "t.csv": CSV_HEAD + "1,,main,Một,,,,\n1.1,9,sub,Lá,10,,,\n",
        },
        "t.csv",
        "dòng 3",
        "Mã cha “9” không có trong bộ chỉ số.",
    ),
    (
        "cycle",
        {
            "f.yaml": yaml_with("tree_csv: t.csv\n", "default_rule: {kind: manual}\n"),
            "t.csv": CSV_HEAD + "1,,main,Gốc,10,,,\na,b,sub,A,,,,\nb,a,sub,B,,,,\n",
        },
        "t.csv",
        "dòng 3",
        "Vòng lặp cha–con: a → b → a.",
    ),
    (
        "sum-mismatch",
        {
            "f.yaml": yaml_with(
                GOOD_TREE.replace("level: main\n", "level: main\n    max_points: 20\n")
            )
        },
        "f.yaml",
        "tree[0] (mã 1)",
        "Tổng điểm tối đa của các chỉ tiêu con (10) khác điểm tối đa 20.",
    ),
    (
        "negative-max",
        {"f.yaml": yaml_with(leaf(max_points="-5"))},
        "f.yaml",
        "tree[0] (mã 1.1)",
        "Điểm tối đa không được âm (-5).",
    ),
    (
        "non-numeric-max",
        {
            "f.yaml": yaml_with("tree_csv: t.csv\n", "default_rule: {kind: manual}\n"),
            "t.csv": CSV_HEAD + "1,,main,Một,mười,,,\n",
        },
        "t.csv",
        "dòng 2",
        "Điểm tối đa “mười” không phải là số.",
    ),
    (
        "leaf-without-rule",
        {"f.yaml": yaml_with(leaf("null"))},
        "f.yaml",
        "tree[0] (mã 1.1)",
        "Chỉ tiêu lá chưa có cách tính điểm (rule)",
    ),
    (
        "rule-on-parent",
        {
            "f.yaml": yaml_with(
                GOOD_TREE.replace("level: main\n", "level: main\n    rule: {kind: manual}\n")
            )
        },
        "f.yaml",
        "tree[0] (mã 1)",
        "không được có “rule”",
    ),
    (
        "view-member-unknown",
        {"f.yaml": yaml_with(GOOD_TREE, "views: [{code: v, name: V, members: ['1', '7']}]\n")},
        "f.yaml",
        "views[0] (mã v)",
        "Thành phần “7” không phải mã chỉ tiêu nào",
    ),
    (
        "bands-not-descending",
        {
            "f.yaml": yaml_with(
                GOOD_TREE, "bands: [{code: a, label: A, min: 0.5}, {code: b, label: B, min: 0.8}]\n"
            )
        },
        "f.yaml",
        "bands[1] (mã b)",
        "ngưỡng “min” giảm dần",
    ),
    (
        "unknown-unit-kind",
        {"f.yaml": yaml_with(GOOD_TREE, "unit_kinds: [commune, hamlet]\n")},
        "f.yaml",
        "unit_kinds",
        "Loại đơn vị “hamlet” không tồn tại",
    ),
    (
        "unknown-applies-to",
        {"f.yaml": yaml_with(leaf().replace("rule:", "applies_to: [ward], rule:"))},
        "f.yaml",
        "tree[0] (mã 1.1)",
        "Loại đơn vị “ward” không tồn tại",
    ),
    (
        "malformed-yaml",
        {"f.yaml": HEAD + "tree: [\n  {code: 1\n"},
        "f.yaml",
        "dòng 7",
        "YAML không hợp lệ",
    ),
    (
        "malformed-csv",
        {
            "f.yaml": yaml_with("tree_csv: t.csv\n", "default_rule: {kind: manual}\n"),
            "t.csv": CSV_HEAD + "1,,main,Một,10,,,\n1.1,1,sub,Hai, ba,5,,,\n",
        },
        "t.csv",
        "dòng 3",
        "Dòng có nhiều ô hơn dòng tiêu đề",
    ),
    (
        "csv-missing-column",
        {"f.yaml": yaml_with("tree_csv: t.csv\n"), "t.csv": "code,level,name_vi\n1,main,Một\n"},
        "t.csv",
        "dòng 1",
        "Thiếu cột bắt buộc: parent_code, max_points",
    ),
    (
        "missing-required-field",
        {"f.yaml": HEAD.replace("title: Bộ thử\n", "") + GOOD_TREE},
        "f.yaml",
        "",
        "Thiếu trường bắt buộc “title”.",
    ),
    (
        "node-without-name",
        {
            "f.yaml": yaml_with(
                'tree:\n  - {code: "1", level: main, max_points: 1, rule: {kind: manual}}\n'
            )
        },
        "f.yaml",
        "tree[0] (mã 1)",
        "Thiếu trường bắt buộc “name” (tên).",
    ),
    (
        "float-code",
        {"f.yaml": yaml_with(leaf(code="1.10"))},
        "f.yaml",
        "tree[0] (mã 1.1)",
        "phải đặt trong dấu nháy",
    ),
    (
        "override-unknown-code",
        {"f.yaml": yaml_with(GOOD_TREE, "overrides: {'9': {unit: '%'}}\n")},
        "f.yaml",
        "overrides.9",
        "Không có chỉ tiêu mã “9” để ghi đè.",
    ),
    (
        "unknown-level",
        {"f.yaml": yaml_with(leaf().replace("level: main", "level: chapter"))},
        "f.yaml",
        "tree[0] (mã 1.1)",
        "Cấp “chapter” không hợp lệ",
    ),
    (
        "wrong-suffix",
        {"f.txt": "code: thu\n"},
        "f.txt",
        "",
        "Chỉ nạp được tệp .yaml, .yml hoặc .csv.",
    ),
]


def write(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (tmp_path / name).write_bytes(data)
    return tmp_path / next(iter(files))


def counts() -> tuple[int, int, int]:
    return Framework.objects.count(), FrameworkVersion.objects.count(), Indicator.objects.count()


@pytest.fixture
def existing(tmp_path: Path) -> tuple[int, int, int]:
    """A loaded framework with the same code, which a rejected file must not touch."""
    (tmp_path / "ok").mkdir()
    load_framework(write(tmp_path / "ok", {"thu.yaml": HEAD + GOOD_TREE}), actor="test")
    return counts()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("files", "file", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_bad_file_is_refused_with_place_and_message_and_nothing_changes(
    tmp_path: Path,
    existing: tuple[int, int, int],
    files: dict[str, str],
    file: str,
    where: str,
    message: str,
) -> None:
    path = write(tmp_path, files)
    with pytest.raises(FrameworkFileError) as error:
        load_framework(path, actor="test")
    found = [(p.file, p.where) for p in error.value.problems if message in p.message]
    assert (file, where) in found, error.value.text()
    assert counts() == existing


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    # a file saved in UTF-16 by a spreadsheet: the first bad byte is on line 5
    path = write(
        tmp_path, {"f.yaml": HEAD.encode("utf-8") + "title_en: Bộ thử\n".encode("utf-16-le")}
    )
    with pytest.raises(FrameworkFileError) as error:
        load_framework(path)
    problem = error.value.problems[0]
    assert (problem.file, problem.where) == ("f.yaml", "dòng 5")
    assert "không phải mã UTF-8" in problem.message


@pytest.mark.django_db
def test_every_problem_of_a_file_is_reported_not_just_the_first(tmp_path: Path) -> None:
    tree = (
        "tree:\n"
        '  - {code: "a", name: A, level: main, max_points: 5, rule: {kind: magic}}\n'
        '  - {code: "b", name: B, level: main, max_points: -1, rule: {kind: manual}}\n'
        '  - {code: "c", name: C, level: main, max_points: 5}\n'
    )
    path = write(tmp_path, {"f.yaml": HEAD + "unit_kinds: [x]\n" + tree})
    with pytest.raises(FrameworkFileError) as error:
        load_framework(path)
    places = sorted(p.where for p in error.value.problems)
    assert places == ["tree[0] (mã a)", "tree[1] (mã b)", "tree[2] (mã c)", "unit_kinds"]


@pytest.mark.django_db
def test_problems_stop_at_a_sane_limit(tmp_path: Path) -> None:
    rows = "".join(f"{i},,main,Dòng {i},x,,,\n" for i in range(MAX_PROBLEMS + 10))
    path = write(tmp_path, {"f.yaml": HEAD + "tree_csv: t.csv\n", "t.csv": CSV_HEAD + rows})
    with pytest.raises(FrameworkFileError) as error:
        load_framework(path)
    assert len(error.value.problems) == MAX_PROBLEMS
    assert "… và" in error.value.text()
