"""Every framework file shipped in frameworks/data/ loads, validates and adds up."""

from __future__ import annotations

from pathlib import Path

import pytest

from chiso.frameworks.choices import Status
from chiso.frameworks.loader import read_framework_file
from chiso.frameworks.models import Framework, Indicator
from chiso.frameworks.services import DATA_DIR, LoadAction, load_builtin_frameworks, load_framework
from chiso.scoring.engine import RULES

SHIPPED = sorted(DATA_DIR.glob("*.yaml"))
# file: (status, leaves, total of maxima, scale)
EXPECTED = {
    "dti-province-2022.yaml": (Status.OFFICIAL, 9, 1000, 1000),
    "dti-province-2025.yaml": (Status.PROVISIONAL, 8, 1000, 1000),
    "tayninh-commune-2026.yaml": (Status.OFFICIAL, 62, 960, 960),
    "nghean-department-example.yaml": (Status.EXAMPLE, 41, 1000, 1000),
    "nghean-commune-example.yaml": (Status.EXAMPLE, 52, 1000, 1000),
}


def test_every_shipped_file_is_listed_here() -> None:
    assert {p.name for p in SHIPPED} == set(EXPECTED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_file_validates_with_the_expected_size(path: Path) -> None:
    status, leaves, total, scale = EXPECTED[path.name]
    spec = read_framework_file(path)
    assert spec.code == path.stem  # load_builtin_frameworks relies on it
    assert spec.status == status
    assert len(spec.leaves()) == leaves
    assert sum(n.max_points or 0 for n in spec.roots()) == pytest.approx(total)
    assert spec.scale == scale
    assert spec.provenance.strip()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_parent_max_is_the_sum_of_its_children(path: Path) -> None:
    spec = read_framework_file(path)
    for node in spec.nodes:
        kids = [k.max_points or 0 for k in spec.nodes if k.parent_code == node.code]
        if kids:
            assert sum(kids) == pytest.approx(node.max_points)


def test_the_dti_2022_file_has_nine_mains_published_as_values() -> None:
    spec = read_framework_file(DATA_DIR / "dti-province-2022.yaml")
    mains = [n for n in spec.nodes if n.level == "main"]
    assert [m.code for m in mains] == [str(i) for i in range(1, 10)]
    assert {m.rule_kind for m in mains if m.code != "6"} == {"direct"}
    smart_city = next(m for m in mains if m.code == "6")
    assert (smart_city.max_points, smart_city.rule_kind) == (0, "")
    assert [(v.code, v.scale) for v in spec.views] == [
        ("chinh-quyen-so", 700),
        ("kinh-te-so", 650),
        ("xa-hoi-so", 650),
    ]


def test_the_nghe_an_examples_use_varied_real_rules() -> None:
    for name in ("nghean-department-example.yaml", "nghean-commune-example.yaml"):
        spec = read_framework_file(DATA_DIR / name)
        kinds = {n.rule_kind for n in spec.leaves()}
        assert kinds >= set(RULES) - {"direct"}
        assert all(n.method and n.evidence and n.unit for n in spec.leaves())
        assert [b.code for b in spec.bands] == ["xuat-sac", "tot", "kha", "trung-binh", "kem"]


def test_online_dossiers_are_scored_by_ratio_with_full_marks_from_80_percent() -> None:
    spec = read_framework_file(DATA_DIR / "nghean-commune-example.yaml")
    node = next(n for n in spec.nodes if n.code == "6.1")
    assert (node.rule_kind, node.rule_params) == ("ratio", {"full_at": 0.8})
    assert node.verifier == "nghe-an.van-phong-ubnd-tinh"


@pytest.mark.django_db
def test_builtin_frameworks_load_once_then_are_unchanged() -> None:
    first = load_builtin_frameworks(actor="test")
    assert {r.action for r in first} == {LoadAction.CREATED}
    assert Framework.objects.count() == len(SHIPPED)
    tayninh = next(r for r in first if r.framework_code == "tayninh-commune-2026")
    assert (tayninh.leaf_count, tayninh.total_max) == (62, 960)
    again = load_builtin_frameworks(actor="test")
    assert {r.action for r in again} == {LoadAction.UNCHANGED}


@pytest.mark.django_db
def test_indicators_are_stored_in_reading_order_with_leaves_marked() -> None:
    load_framework(DATA_DIR / "tayninh-commune-2026.yaml", actor="test")
    rows = list(Indicator.objects.filter(version__framework__code="tayninh-commune-2026"))
    assert [r.code for r in rows[:3]] == ["1", "1.1", "1.2"]
    assert sum(r.is_leaf for r in rows) == 62
    assert next(r for r in rows if r.code == "4.22.1").level == "criterion"
    assert next(r for r in rows if r.code == "4").max_points == 520
