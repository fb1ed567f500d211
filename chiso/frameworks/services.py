"""Writes of the frameworks app: frameworks change only by loading a file.

A load parses and validates the whole file first (`loader.read_framework_file`), then writes in
one transaction: nothing changes when the file is rejected. A version some assessment uses is
never modified; a changed file then becomes a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from chiso.accounts.services import Actor, record
from chiso.frameworks.formats import (
    BandSpec,
    FrameworkFileError,
    FrameworkSpec,
    NodeSpec,
    Problem,
    ViewSpec,
    Where,
)
from chiso.frameworks.loader import read_framework_file
from chiso.frameworks.models import Framework, FrameworkVersion, Indicator, VersionInUseError

DATA_DIR = Path(__file__).resolve().parent / "data"


class LoadAction(StrEnum):
    CREATED = "created"  # a new framework, version 1
    NEW_VERSION = "new_version"  # the latest version is used by assessments
    REPLACED = "replaced"  # the latest version was not used yet: rebuilt in place
    UNCHANGED = "unchanged"  # same content as the latest version
    SKIPPED = "skipped"  # built-in file not reloaded over a version loaded from another file


@dataclass(frozen=True)
class LoadResult:
    framework_code: str
    version_number: int
    action: LoadAction
    indicator_count: int
    leaf_count: int
    total_max: float
    scale: float
    checksum: str
    source_name: str

    @property
    def message(self) -> str:
        label = f"{self.framework_code}@{self.version_number}"
        texts = {
            LoadAction.CREATED: _("Đã nạp bộ chỉ số mới %(l)s"),
            LoadAction.NEW_VERSION: _("Đã nạp phiên bản mới %(l)s"),
            LoadAction.REPLACED: _("Đã nạp lại %(l)s (phiên bản chưa được dùng, thay tại chỗ)"),
            LoadAction.UNCHANGED: _("Không có thay đổi: %(l)s giữ nguyên"),
            LoadAction.SKIPPED: _("Bỏ qua %(l)s: phiên bản mới nhất được nạp từ tệp khác"),
        }
        detail = _(" — %(n)d chỉ tiêu, %(k)d chỉ tiêu lá, tổng %(m)s điểm, từ %(f)s.") % {
            "n": self.indicator_count,
            "k": self.leaf_count,
            "m": f"{self.total_max:g}",
            "f": self.source_name,
        }
        return texts[self.action] % {"l": label} + detail


def load_framework(
    path: str | Path, *, framework_code: str | None = None, actor: Actor = "cli"
) -> LoadResult:
    """Load a framework file (YAML, or CSV rows added to `framework_code`'s latest version).

    Raises FrameworkFileError listing every problem in the file; the database is then unchanged.
    """
    path = Path(path)
    base = _base_for(path, framework_code)
    spec = read_framework_file(path, base=base)
    if framework_code and spec.code != framework_code:
        message = _("Tệp mô tả bộ chỉ số “%(c)s”, không phải “%(f)s”.")
        raise FrameworkFileError(
            [Problem(path.name, "code", message % {"c": spec.code, "f": framework_code})]
        )
    with transaction.atomic():
        return _store(spec, actor)


def load_builtin_frameworks(actor: Actor = "cli") -> list[LoadResult]:
    """Load every YAML shipped in frameworks/data/ (the demo calls this).

    A framework whose latest version came from another file (e.g. an administrator loaded the
    official sub-indicators from a CSV) is left alone rather than rolled back.
    """
    results = []
    for path in sorted(DATA_DIR.glob("*.yaml")):
        skipped = _skip_builtin(path)
        results.append(skipped or load_framework(path, actor=actor))
    return results


def ensure_version_editable(version: FrameworkVersion) -> None:
    """Raise VersionInUseError if an assessment uses `version`: its indicators are history."""
    if version.is_used():
        raise VersionInUseError(
            _("Phiên bản %(v)s đã được dùng để đánh giá; không được sửa chỉ tiêu của nó.")
            % {"v": version.label}
        )


# ---------------------------------------------------------------- reading what is stored


def _base_for(path: Path, framework_code: str | None) -> FrameworkSpec | None:
    if path.suffix.lower() != ".csv" or not framework_code:
        return None
    framework = Framework.objects.filter(code=framework_code).first()
    latest = framework.latest_version() if framework else None
    if latest is None:
        message = _("Chưa có bộ chỉ số mã “%(c)s” để bổ sung; hãy nạp tệp YAML của nó trước.")
        raise FrameworkFileError([Problem(path.name, "", message % {"c": framework_code})])
    return spec_from_version(latest)


def spec_from_version(version: FrameworkVersion) -> FrameworkSpec:
    """A stored version as a spec; it has the checksum the version was stored with."""
    framework = version.framework
    return FrameworkSpec(
        code=framework.code,
        title=framework.title,
        title_en=framework.title_en,
        status=framework.status,
        provenance=framework.provenance,
        legal_basis=version.legal_basis,
        scale=version.scale,
        unit_kinds=list(version.unit_kinds),
        views=[_view_spec(v, version) for v in version.views],
        bands=[BandSpec(b["code"], b["label"], b["min"]) for b in version.bands],
        default_rule=dict(version.default_rule),
        nodes=[_node_spec(i, version) for i in version.indicators.select_related("parent")],
        source_name=version.source_name,
    )


def _view_spec(view: dict[str, object], version: FrameworkVersion) -> ViewSpec:
    where = Where(version.label, f"views (mã {view['code']})")
    scale = view.get("scale")
    return ViewSpec(
        code=str(view["code"]),
        name=str(view["name"]),
        members=[str(m) for m in view["members"]],  # type: ignore[attr-defined]
        scale=float(scale) if isinstance(scale, int | float) else None,
        where=where,
    )


def _node_spec(indicator: Indicator, version: FrameworkVersion) -> NodeSpec:
    return NodeSpec(
        code=indicator.code,
        name=indicator.name,
        level=indicator.level,
        max_points=indicator.max_points,
        where=Where(version.label, f"mã {indicator.code}"),
        parent_code=indicator.parent.code if indicator.parent else None,
        name_en=indicator.name_en,
        rule_kind=indicator.rule_kind,
        rule_params=dict(indicator.rule_params),
        unit=indicator.unit,
        method=indicator.method,
        evidence=indicator.evidence,
        evidence_required=indicator.evidence_required,
        data_source=indicator.data_source,
        verifier=indicator.verifier,
        applies_to=list(indicator.applies_to),
    )


def _skip_builtin(path: Path) -> LoadResult | None:
    framework = Framework.objects.filter(code=_builtin_code(path)).first()
    latest = framework.latest_version() if framework else None
    if latest is None or latest.source_name == path.name:
        return None
    return _result(latest, LoadAction.SKIPPED)


def _builtin_code(path: Path) -> str:
    # Shipped files are named after their framework code; checked by the tests.
    return path.stem


# ---------------------------------------------------------------- writing


def _store(spec: FrameworkSpec, actor: Actor) -> LoadResult:
    framework = _upsert_framework(spec)
    latest = framework.latest_version()
    checksum = spec.checksum()
    if latest is not None and latest.checksum == checksum:
        version, action = latest, LoadAction.UNCHANGED
    elif latest is not None and not latest.is_used():
        version, action = _rebuild(latest, spec, checksum), LoadAction.REPLACED
    else:
        number = latest.number + 1 if latest else 1
        version = FrameworkVersion(framework=framework, number=number)
        _fill_version(version, spec, checksum)
        action = LoadAction.NEW_VERSION if latest else LoadAction.CREATED
    result = _result(version, action)
    record(
        actor,
        "framework.load",
        version,
        new={"action": str(action), "checksum": checksum, "source": spec.source_name},
    )
    return result


def _upsert_framework(spec: FrameworkSpec) -> Framework:
    fields = {
        "title": spec.title,
        "title_en": spec.title_en,
        "status": spec.status,
        "provenance": spec.provenance,
    }
    framework, _created = Framework.objects.select_for_update().update_or_create(
        code=spec.code, defaults=fields
    )
    return framework


def _rebuild(version: FrameworkVersion, spec: FrameworkSpec, checksum: str) -> FrameworkVersion:
    ensure_version_editable(version)
    # One queryset delete: Django orders the parent/child cascade itself.
    Indicator.objects.filter(version=version).delete()
    _fill_version(version, spec, checksum)
    return version


def _fill_version(version: FrameworkVersion, spec: FrameworkSpec, checksum: str) -> None:
    version.legal_basis = spec.legal_basis
    version.scale = spec.scale or 0.0
    version.unit_kinds = list(spec.unit_kinds)
    version.views = [v.canonical() for v in spec.views]
    version.bands = [b.canonical() for b in spec.bands]
    version.default_rule = dict(spec.default_rule)
    version.source_name = spec.source_name
    version.checksum = checksum
    version.save()
    _write_indicators(version, spec)


def _write_indicators(version: FrameworkVersion, spec: FrameworkSpec) -> None:
    """Create the tree, one bulk insert per depth (a row needs its parent's id)."""
    ensure_version_editable(version)
    parents = {n.parent_code for n in spec.nodes}
    saved: dict[str, Indicator] = {}
    for layer in _layers(spec.nodes):
        rows = [_indicator(version, n, pos, saved, n.code not in parents) for pos, n in layer]
        for row in Indicator.objects.bulk_create(rows):
            saved[row.code] = row


def _layers(nodes: list[NodeSpec]) -> list[list[tuple[int, NodeSpec]]]:
    depth: dict[str, int] = {}
    layers: list[list[tuple[int, NodeSpec]]] = []
    for position, node in enumerate(nodes):  # depth-first: a parent precedes its children
        d = depth[node.code] = 0 if node.parent_code is None else depth[node.parent_code] + 1
        if d == len(layers):
            layers.append([])
        layers[d].append((position, node))
    return layers


def _indicator(
    version: FrameworkVersion,
    node: NodeSpec,
    position: int,
    saved: dict[str, Indicator],
    is_leaf: bool,
) -> Indicator:
    return Indicator(
        version=version,
        code=node.code,
        parent=saved[node.parent_code] if node.parent_code else None,
        level=node.level,
        name=node.name,
        name_en=node.name_en,
        max_points=node.max_points or 0.0,
        rule_kind=node.rule_kind,
        rule_params=node.rule_params,
        unit=node.unit,
        method=node.method,
        evidence=node.evidence,
        evidence_required=node.evidence_required,
        data_source=node.data_source,
        verifier=node.verifier,
        applies_to=node.applies_to,
        is_leaf=is_leaf,
        position=position,
    )


def _result(version: FrameworkVersion, action: LoadAction) -> LoadResult:
    indicators = list(version.indicators.all())
    roots = [i.max_points for i in indicators if i.parent_id is None]
    return LoadResult(
        framework_code=version.framework.code,
        version_number=version.number,
        action=action,
        indicator_count=len(indicators),
        leaf_count=sum(1 for i in indicators if i.is_leaf),
        total_max=sum(roots),
        scale=version.scale,
        checksum=version.checksum,
        source_name=version.source_name,
    )
