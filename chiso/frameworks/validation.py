"""Whole-file checks of a parsed framework: structure, maxima, rules, views, bands, unit kinds.

Each check reports every problem it finds and carries on, so one upload shows the administrator
everything to fix. Validation also completes the spec: a parent without a maximum takes the sum
of its children's, a leaf without a rule takes the default rule, nodes are put in depth-first
order and the scales of the total and of the views are filled in.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from django.utils.translation import gettext as _

from chiso.frameworks.formats import FrameworkSpec, NodeSpec, Problems, Where
from chiso.org.choices import UnitKind
from chiso.scoring.engine import RULES, EngineError, Node, RuleError, RuleSpec, Tree, View

# Children's maxima may be written with a few decimals (3 × 33.33 under 100 is not meant).
SUM_TOLERANCE = 1e-6
VERIFIER = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$")


def validate(spec: FrameworkSpec, problems: Problems) -> None:
    """Check and complete `spec` in place, reporting into `problems`."""
    before = len(problems.items)
    _check_required(spec, problems)
    unique = _check_duplicates(spec, problems)
    sound = _check_parents(spec, unique, problems)
    if sound:
        spec.nodes = _depth_first(spec.nodes)
        _resolve_maxima(spec, problems)
    _check_rules(spec, problems)
    _check_unit_kinds(spec, problems)
    _check_views(spec, {n.code for n in spec.nodes}, problems)
    _check_bands(spec, problems)
    _resolve_scales(spec, problems)
    if sound and len(problems.items) == before:
        _compile(spec, problems)


def _check_required(spec: FrameworkSpec, problems: Problems) -> None:
    if not spec.nodes:
        problems.add(spec.source_name, "", _("Bộ chỉ số không có chỉ tiêu nào."))
    kids = _children(spec)
    for node in spec.nodes:
        if node.max_points is None and not node.max_given and not kids[node.code]:
            node.where.report(problems, _("Chỉ tiêu lá phải có điểm tối đa (max_points)."))


def _children(spec: FrameworkSpec) -> dict[str, list[NodeSpec]]:
    kids: dict[str, list[NodeSpec]] = defaultdict(list)
    for node in spec.nodes:
        if node.parent_code is not None:
            kids[node.parent_code].append(node)
    return kids


def _check_duplicates(spec: FrameworkSpec, problems: Problems) -> bool:
    first: dict[str, NodeSpec] = {}
    for node in spec.nodes:
        if not node.code:
            continue
        if node.code in first:
            message = _("Mã “%(c)s” bị trùng (đã có ở %(w)s).")
            node.where.report(
                problems, message % {"c": node.code, "w": first[node.code].where.place}
            )
        else:
            first[node.code] = node
    return len(first) == len(spec.nodes)


def _check_parents(spec: FrameworkSpec, unique: bool, problems: Problems) -> bool:
    """Unknown parents and cycles; True when the nodes form a forest."""
    by_code = {n.code: n for n in spec.nodes}
    sound = unique
    for node in spec.nodes:
        if node.parent_code is not None and node.parent_code not in by_code:
            message = _("Mã cha “%(p)s” không có trong bộ chỉ số.")
            node.where.report(problems, message % {"p": node.parent_code})
            sound = False
    if sound:
        sound = _check_cycles(spec, by_code, problems)
    return sound


def _check_cycles(spec: FrameworkSpec, by_code: dict[str, NodeSpec], problems: Problems) -> bool:
    reported: set[str] = set()
    for node in spec.nodes:
        path = [node.code]
        current = node
        while current.parent_code is not None and current.parent_code not in path:
            path.append(current.parent_code)
            current = by_code[current.parent_code]
        if current.parent_code is not None and not reported & set(path):
            loop = [*path[path.index(current.parent_code) :], current.parent_code]
            message = _("Vòng lặp cha–con: %(p)s.")
            node.where.report(problems, message % {"p": " → ".join(loop)})
            reported.update(loop)
    return not reported


def _depth_first(nodes: list[NodeSpec]) -> list[NodeSpec]:
    """Parents before children, siblings in file order: the order users read the tree in."""
    kids: dict[str | None, list[NodeSpec]] = defaultdict(list)
    for node in nodes:
        kids[node.parent_code].append(node)
    ordered: list[NodeSpec] = []
    stack = list(reversed(kids[None]))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(kids[node.code]))
    return ordered


def _resolve_maxima(spec: FrameworkSpec, problems: Problems) -> None:
    kids = _children(spec)
    for node in reversed(spec.nodes):  # children come after their parent in depth-first order
        if not kids[node.code]:
            continue
        if any(k.max_points is None for k in kids[node.code]):
            continue  # already reported as a leaf without a maximum
        total = math.fsum(k.max_points or 0.0 for k in kids[node.code])
        if node.max_points is None:
            node.max_points = total
        elif abs(total - node.max_points) > SUM_TOLERANCE * max(1.0, node.max_points):
            message = _("Tổng điểm tối đa của các chỉ tiêu con (%(s)s) khác điểm tối đa %(m)s.")
            node.where.report(problems, message % {"s": _num(total), "m": _num(node.max_points)})


def _num(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _check_rules(spec: FrameworkSpec, problems: Problems) -> None:
    default_ok = _check_default_rule(spec, problems)
    kids = _children(spec)
    for node in spec.nodes:
        if kids[node.code]:
            _check_parent_rule(node, problems)
        else:
            _complete_leaf_rule(node, spec, default_ok, problems)


def _check_default_rule(spec: FrameworkSpec, problems: Problems) -> bool:
    kind = spec.default_rule.get("kind", "")
    if kind and kind not in RULES:
        _unknown_kind(Where(spec.source_name, "default_rule"), kind, problems)
        return False
    return True


def _check_parent_rule(node: NodeSpec, problems: Problems) -> None:
    if not node.rule_kind:
        return
    if node.inherited:
        # A main published as one value gained sub-indicators: its points are now their sum.
        node.rule_kind, node.rule_params = "", {}
        return
    message = _(
        "Chỉ tiêu có chỉ tiêu con được cộng điểm từ các chỉ tiêu con, không được có “rule”."
    )
    node.where.report(problems, message)


def _complete_leaf_rule(
    node: NodeSpec, spec: FrameworkSpec, default_ok: bool, problems: Problems
) -> None:
    if not node.rule_kind and spec.default_rule and node.max_points != 0:
        if not default_ok:
            return
        params = {k: v for k, v in spec.default_rule.items() if k != "kind"}
        node.rule_kind, node.rule_params = spec.default_rule["kind"], params
    if node.rule_kind:
        _check_rule(node, problems)
    elif node.max_points != 0:
        message = _("Chỉ tiêu lá chưa có cách tính điểm (rule) và bộ chỉ số không có default_rule.")
        node.where.report(problems, message)


def _check_rule(node: NodeSpec, problems: Problems) -> None:
    rule = RULES.get(node.rule_kind)
    if rule is None:
        _unknown_kind(node.where, node.rule_kind, problems)
        return
    if node.max_points is None:
        return
    try:
        rule.from_params(node.rule_params, node.max_points)
    except RuleError as exc:
        message = _("Tham số của cách tính điểm “%(k)s” không hợp lệ: %(e)s")
        node.where.report(problems, message % {"k": node.rule_kind, "e": exc})


def _unknown_kind(where: Where, kind: str, problems: Problems) -> None:
    message = _("Cách tính điểm “%(k)s” không tồn tại (có: %(all)s).")
    where.report(problems, message % {"k": kind, "all": ", ".join(sorted(RULES))})


def _check_unit_kinds(spec: FrameworkSpec, problems: Problems) -> None:
    top = Where(spec.source_name, "unit_kinds")
    for kind in spec.unit_kinds:
        if kind not in UnitKind.values:
            top.report(problems, _unknown_unit_kind(kind))
    for node in spec.nodes:
        _check_node_units(node, spec, problems)


def _check_node_units(node: NodeSpec, spec: FrameworkSpec, problems: Problems) -> None:
    for kind in node.applies_to:
        if kind not in UnitKind.values:
            node.where.report(problems, _unknown_unit_kind(kind))
        elif spec.unit_kinds and kind not in spec.unit_kinds:
            message = _("applies_to “%(k)s” không thuộc unit_kinds của bộ chỉ số.")
            node.where.report(problems, message % {"k": kind})
    if node.verifier and not VERIFIER.match(node.verifier):
        message = _("Đơn vị xác minh “%(v)s” phải là mã đơn vị (vd. nghe-an.van-phong-ubnd-tinh).")
        node.where.report(problems, message % {"v": node.verifier})


def _unknown_unit_kind(kind: str) -> str:
    message = _("Loại đơn vị “%(k)s” không tồn tại (có: %(all)s).")
    return message % {"k": kind, "all": ", ".join(UnitKind.values)}


def _check_views(spec: FrameworkSpec, codes: set[str], problems: Problems) -> None:
    seen: set[str] = set()
    for view in spec.views:
        if view.code in seen:
            view.where.report(problems, _("Mã nhóm hiển thị “%(c)s” bị trùng.") % {"c": view.code})
        seen.add(view.code)
        for member in view.members:
            if member not in codes:
                message = _("Thành phần “%(m)s” không phải mã chỉ tiêu nào của bộ chỉ số.")
                view.where.report(problems, message % {"m": member})


def _check_bands(spec: FrameworkSpec, problems: Problems) -> None:
    for index in range(1, len(spec.bands)):
        if spec.bands[index].min >= spec.bands[index - 1].min:
            where = Where(spec.source_name, f"bands[{index}] (mã {spec.bands[index].code})")
            where.report(problems, _("Các mức xếp loại phải xếp theo ngưỡng “min” giảm dần."))


def _resolve_scales(spec: FrameworkSpec, problems: Problems) -> None:
    by_code = {n.code: n for n in spec.nodes}
    if spec.scale is None:
        spec.scale = math.fsum(n.max_points or 0.0 for n in spec.roots())
    if spec.scale <= 0:
        problems.add(spec.source_name, "scale", _("Thang điểm phải lớn hơn 0."))
    for view in spec.views:
        if view.scale is None and all(m in by_code for m in view.members):
            view.scale = math.fsum(by_code[m].max_points or 0.0 for m in view.members)


def engine_tree(spec: FrameworkSpec) -> Tree:
    """The spec as the scoring engine's tree."""
    nodes = tuple(
        Node(
            code=n.code,
            parent=n.parent_code,
            level=n.level,
            max_points=n.max_points or 0.0,
            rule=RuleSpec(n.rule_kind, n.rule_params) if n.rule_kind else None,
            name=n.name,
        )
        for n in spec.nodes
    )
    views = tuple(View(v.code, v.name, tuple(v.members), v.scale) for v in spec.views)
    return Tree(nodes, views, spec.scale)


def _compile(spec: FrameworkSpec, problems: Problems) -> None:
    # The engine is the last line: anything it refuses here would fail at scoring time.
    try:
        engine_tree(spec).compile()
    except EngineError as exc:
        message = _("Bộ máy tính điểm không chấp nhận cây chỉ tiêu: %(e)s")
        problems.add(spec.source_name, "", message % {"e": exc})
