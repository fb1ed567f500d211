"""Read a framework file (YAML, or CSV rows of a decision's appendix) into a validated spec.

`read_framework_file` is the only entry point. It touches no database: when a CSV adds rows to
an existing framework, the caller passes that framework's latest version as `base`.
Problems are collected across the whole file and raised together as `FrameworkFileError`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from chiso.frameworks.choices import Status
from chiso.frameworks.formats import (
    LEVEL_ALIASES,
    NODE_FIELDS,
    BandSpec,
    FrameworkSpec,
    NodeSpec,
    Problems,
    ViewSpec,
    Where,
)
from chiso.frameworks.validation import validate
from chiso.lib import safe_files
from chiso.lib.unicode_safety import clean

YAML_SUFFIXES = (".yaml", ".yml")
TOP_KEYS = {
    "code", "title", "title_en", "status", "provenance", "legal_basis", "scale", "unit_kinds",
    "views", "bands", "default_rule", "tree", "tree_csv", "overrides",
}  # fmt: skip
REQUIRED_TOP_KEYS = ("code", "title", "status", "provenance")
CSV_REQUIRED = (
    "code", "parent_code", "level", "name_vi", "max_points", "unit", "method_vi", "evidence_vi",
)  # fmt: skip
CSV_OPTIONAL = (
    "name_en", "rule", "rule_params", "evidence_required", "data_source", "verifier",
    "applies_to",
)  # fmt: skip
# CSV column → node field, where the CSV (the shape of the reference files) names it otherwise.
CSV_RENAMES = {"name_vi": "name", "method_vi": "method", "evidence_vi": "evidence"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TRUE_WORDS = {"true", "yes", "1", "có", "x", "c"}
FALSE_WORDS = {"false", "no", "0", "không", "k", ""}


def read_framework_file(path: Path, *, base: FrameworkSpec | None = None) -> FrameworkSpec:
    """Parse and validate `path`; raise FrameworkFileError listing every problem found.

    A YAML file describes a whole framework. A CSV file adds or replaces rows of `base` (the
    latest version of the framework named on the command line) and keeps its metadata.
    """
    problems = Problems()
    if path.suffix.lower() in YAML_SUFFIXES:
        spec = _read_yaml_spec(path, problems)
    elif path.suffix.lower() == ".csv":
        spec = _read_csv_update(path, base, problems)
    else:
        problems.add(path.name, "", _("Chỉ nạp được tệp .yaml, .yml hoặc .csv."))
        spec = None
    if spec is not None:
        validate(spec, problems)
    problems.raise_if_any()
    assert spec is not None  # no problems means a spec was built
    return spec


# ---------------------------------------------------------------- text and scalar values


def read_text(path: Path, problems: Problems) -> str | None:
    """The file's text (NFC, no zero-width or bidi characters), or None with a problem when
    it is missing, larger than CHISO_IMPORT_MAX_MB or not UTF-8."""
    try:
        safe_files.check_file_path(path)
        data = path.read_bytes()
    except OSError as exc:
        problems.add(path.name, "", _("Không đọc được tệp: %(err)s") % {"err": exc.strerror})
        return None
    except safe_files.UnsafeFile as exc:
        problems.add(path.name, "", str(exc))
        return None
    try:
        return clean(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = _("Tệp không phải mã UTF-8 (hãy lưu lại với bảng mã UTF-8).")
        problems.add(path.name, _("dòng %(n)d") % {"n": line}, message)
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Any) -> float | None:
    """A finite float from a YAML number or a CSV cell ("12,5" too); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        raw = str(value).strip().replace("\u00a0", "")
        if "," in raw and "." not in raw:
            raw = raw.replace(",", ".")
        try:
            number = float(raw)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _points(value: Any, where: Where, problems: Problems, label: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _number(value)
    if number is None:
        where.report(
            problems, _("%(field)s “%(v)s” không phải là số.") % {"field": label, "v": value}
        )
    elif number < 0:
        where.report(problems, _("%(field)s không được âm (%(v)s).") % {"field": label, "v": value})
    else:
        return number
    return None


def _string_list(value: Any, where: Where, problems: Problems, label: str) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;]", value) if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [str(v).strip() for v in value]
    where.report(problems, _("%(field)s phải là danh sách.") % {"field": label})
    return []


def _mapping(value: Any, where: Where, problems: Problems, label: str) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    where.report(problems, _("%(field)s phải là một bảng khoá–giá trị.") % {"field": label})
    return {}


# ---------------------------------------------------------------- node fields


def _set_text(attr: str) -> Callable[[NodeSpec, Any, Where, Problems], None]:
    def setter(node: NodeSpec, value: Any, where: Where, problems: Problems) -> None:
        if isinstance(value, Mapping | list):
            where.report(problems, _("Trường “%(f)s” phải là một chuỗi.") % {"f": attr})
        else:
            setattr(node, attr, _text(value))

    return setter


def _set_level(node: NodeSpec, value: Any, where: Where, problems: Problems) -> None:
    level = LEVEL_ALIASES.get(_text(value).lower())
    if level is None:
        choices = ", ".join(LEVEL_ALIASES)
        where.report(
            problems, _("Cấp “%(v)s” không hợp lệ (dùng: %(c)s).") % {"v": value, "c": choices}
        )
    else:
        node.level = level


def _set_max(node: NodeSpec, value: Any, where: Where, problems: Problems) -> None:
    node.max_given = value is not None and _text(value) != ""
    node.max_points = _points(value, where, problems, _("Điểm tối đa"))


def _set_rule(node: NodeSpec, value: Any, where: Where, problems: Problems) -> None:
    kind, params = parse_rule(value, where, problems)
    node.rule_kind, node.rule_params = kind, params


def parse_rule(value: Any, where: Where, problems: Problems) -> tuple[str, dict[str, Any]]:
    """`{kind: ratio, full_at: 0.8}` → ("ratio", {"full_at": 0.8}); a bare string is a kind."""
    if isinstance(value, str):
        return value.strip(), {}
    rule = dict(_mapping(value, where, problems, _("Cách tính điểm (rule)")))
    kind = _text(rule.pop("kind", ""))
    if value and not kind:
        where.report(problems, _("Cách tính điểm thiếu loại (kind)."))
    return kind, rule


def _set_bool(node: NodeSpec, value: Any, where: Where, problems: Problems) -> None:
    if isinstance(value, bool):
        node.evidence_required = value
    elif _text(value).lower() in TRUE_WORDS | FALSE_WORDS:
        node.evidence_required = _text(value).lower() in TRUE_WORDS
    else:
        where.report(problems, _("evidence_required phải là có/không (true/false)."))


def _set_applies(node: NodeSpec, value: Any, where: Where, problems: Problems) -> None:
    node.applies_to = _string_list(value, where, problems, "applies_to")


SETTERS: dict[str, Callable[[NodeSpec, Any, Where, Problems], None]] = {
    "name": _set_text("name"),
    "name_en": _set_text("name_en"),
    "level": _set_level,
    "max_points": _set_max,
    "rule": _set_rule,
    "unit": _set_text("unit"),
    "method": _set_text("method"),
    "evidence": _set_text("evidence"),
    "evidence_required": _set_bool,
    "data_source": _set_text("data_source"),
    "verifier": _set_text("verifier"),
    "applies_to": _set_applies,
}
assert set(SETTERS) == set(NODE_FIELDS)


def apply_fields(
    node: NodeSpec, fields: Mapping[str, Any], where: Where, problems: Problems
) -> None:
    for key, value in fields.items():
        setter = SETTERS.get(key)
        if setter is None:
            where.report(problems, _("Trường “%(f)s” không được hỗ trợ.") % {"f": key})
        else:
            setter(node, value, where, problems)


def build_node(
    code: str, parent: str | None, fields: Mapping[str, Any], where: Where, problems: Problems
) -> NodeSpec:
    node = NodeSpec(code=code, name="", level="", max_points=None, where=where, parent_code=parent)
    apply_fields(node, fields, where, problems)
    for key, label in (("name", _("tên")), ("level", _("cấp"))):
        if key not in fields:
            where.report(
                problems, _("Thiếu trường bắt buộc “%(f)s” (%(l)s).") % {"f": key, "l": label}
            )
    return node


def node_code(value: Any, where: Where, problems: Problems) -> str:
    # YAML reads `code: 1.10` as the float 1.1: refuse it rather than silently renumber.
    if isinstance(value, float):
        where.report(
            problems, _('Mã “%(v)s” phải đặt trong dấu nháy, ví dụ "1.10".') % {"v": value}
        )
        return ""
    code = _text(value)
    if not code:
        where.report(problems, _("Thiếu trường bắt buộc “code” (mã)."))
    elif len(code) > 40:
        where.report(problems, _("Mã “%(c)s” dài quá 40 ký tự.") % {"c": code})
    return code


# ---------------------------------------------------------------- YAML


def _read_yaml_spec(path: Path, problems: Problems) -> FrameworkSpec | None:
    text = read_text(path, problems)
    if text is None:
        return None
    try:
        data = safe_files.load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = _("dòng %(n)d") % {"n": mark.line + 1} if mark else ""
        problems.add(path.name, place, _("YAML không hợp lệ: %(err)s") % {"err": _yaml_reason(exc)})
        return None
    if not isinstance(data, Mapping):
        problems.add(path.name, "", _("Tệp YAML phải là một bảng khoá–giá trị ở cấp ngoài cùng."))
        return None
    return _spec_from_mapping(data, path, problems)


def _yaml_reason(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or exc)


def _spec_from_mapping(data: Mapping[str, Any], path: Path, problems: Problems) -> FrameworkSpec:
    top = Where(path.name, "")
    for key in data:
        if key not in TOP_KEYS:
            top.report(problems, _("Khoá “%(k)s” không được hỗ trợ.") % {"k": key})
    for key in REQUIRED_TOP_KEYS:
        if not _text(data.get(key)):
            top.report(problems, _("Thiếu trường bắt buộc “%(f)s”.") % {"f": key})
    spec = FrameworkSpec(
        code=_framework_code(data.get("code"), top, problems),
        title=_text(data.get("title")),
        title_en=_text(data.get("title_en")),
        status=_status(data.get("status"), top, problems),
        provenance=_text(data.get("provenance")),
        legal_basis=_text(data.get("legal_basis")),
        source_name=path.name,
    )
    _read_metadata(spec, data, path.name, problems)
    spec.nodes = _read_tree(data, path, problems)
    return spec


def _framework_code(value: Any, where: Where, problems: Problems) -> str:
    code = _text(value)
    if code and (not SLUG.match(code) or len(code) > 80):
        where.report(
            problems,
            _("Mã bộ chỉ số “%(c)s” chỉ gồm chữ thường không dấu, số và “-”.") % {"c": code},
        )
    return code


def _status(value: Any, where: Where, problems: Problems) -> str:
    status = _text(value)
    if status and status not in Status.values:
        choices = ", ".join(Status.values)
        where.report(
            problems,
            _("Tính chính thức “%(v)s” không hợp lệ (dùng: %(c)s).") % {"v": status, "c": choices},
        )
    return status


def _read_metadata(
    spec: FrameworkSpec, data: Mapping[str, Any], file: str, problems: Problems
) -> None:
    if data.get("scale") is not None:
        spec.scale = _points(data["scale"], Where(file, "scale"), problems, _("Thang điểm"))
    spec.unit_kinds = _string_list(
        data.get("unit_kinds") or [], Where(file, "unit_kinds"), problems, "unit_kinds"
    )
    spec.views = [
        _view(v, Where(file, f"views[{i}]"), problems)
        for i, v in enumerate(_items(data, "views", file, problems))
    ]
    spec.bands = [
        _band(b, Where(file, f"bands[{i}]"), problems)
        for i, b in enumerate(_items(data, "bands", file, problems))
    ]
    if data.get("default_rule"):
        kind, params = parse_rule(data["default_rule"], Where(file, "default_rule"), problems)
        spec.default_rule = {"kind": kind, **params} if kind else {}


def _items(data: Mapping[str, Any], key: str, file: str, problems: Problems) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        problems.add(file, key, _("“%(k)s” phải là danh sách.") % {"k": key})
        return []
    return value


def _view(value: Any, where: Where, problems: Problems) -> ViewSpec:
    item = _mapping(value, where, problems, _("Nhóm hiển thị"))
    code = _text(item.get("code"))
    where = Where(where.file, f"{where.place} (mã {code})" if code else where.place)
    for key in ("code", "name", "members"):
        if not item.get(key):
            where.report(problems, _("Thiếu trường bắt buộc “%(f)s”.") % {"f": key})
    scale = (
        _points(item.get("scale"), where, problems, _("Thang điểm"))
        if item.get("scale") is not None
        else None
    )
    members = _string_list(item.get("members") or [], where, problems, "members")
    return ViewSpec(
        code=code, name=_text(item.get("name")), members=members, scale=scale, where=where
    )


def _band(value: Any, where: Where, problems: Problems) -> BandSpec:
    item = _mapping(value, where, problems, _("Mức xếp loại"))
    for key in ("code", "label", "min"):
        if item.get(key) is None:
            where.report(problems, _("Thiếu trường bắt buộc “%(f)s”.") % {"f": key})
    low = _number(item.get("min")) if item.get("min") is not None else None
    if item.get("min") is not None and (low is None or not 0 <= low <= 1):
        where.report(problems, _("Ngưỡng “min” phải là số từ 0 đến 1 (chỉ số 0–1)."))
    return BandSpec(code=_text(item.get("code")), label=_text(item.get("label")), min=low or 0.0)


def _read_tree(data: Mapping[str, Any], path: Path, problems: Problems) -> list[NodeSpec]:
    has_tree, has_csv = data.get("tree") is not None, data.get("tree_csv") is not None
    if has_tree == has_csv:
        problems.add(path.name, "", _("Cần đúng một trong hai khoá “tree” hoặc “tree_csv”."))
        return []
    if has_tree:
        nodes = _yaml_nodes(data["tree"], "tree", None, path.name, problems)
    else:
        beside = _beside(path, _text(data["tree_csv"]), problems)
        nodes = _read_csv_nodes(beside, problems) if beside else []
    _apply_overrides(nodes, data.get("overrides") or {}, path.name, problems)
    return nodes


def _beside(path: Path, name: str, problems: Problems) -> Path | None:
    """The `tree_csv` file: inside the YAML file's folder, never "../.." or an absolute path."""
    folder = path.parent.resolve()
    target = (folder / name).resolve()
    if not target.is_relative_to(folder):
        message = _("“tree_csv” phải là tệp trong cùng thư mục với tệp YAML, không phải “%(v)s”.")
        problems.add(path.name, "tree_csv", message % {"v": name})
        return None
    return target


def _yaml_nodes(
    items: Any, place: str, parent: str | None, file: str, problems: Problems
) -> list[NodeSpec]:
    if not isinstance(items, list):
        problems.add(file, place, _("“%(k)s” phải là danh sách các chỉ tiêu.") % {"k": place})
        return []
    nodes: list[NodeSpec] = []
    for index, item in enumerate(items):
        here = f"{place}[{index}]"
        if not isinstance(item, Mapping):
            problems.add(file, here, _("Mỗi chỉ tiêu phải là một bảng khoá–giá trị."))
            continue
        nodes.extend(_yaml_node(item, here, parent, file, problems))
    return nodes


def _yaml_node(
    item: Mapping[str, Any], here: str, parent: str | None, file: str, problems: Problems
) -> list[NodeSpec]:
    raw_code = item.get("code")
    where = Where(file, f"{here} (mã {_text(raw_code)})" if raw_code is not None else here)
    code = node_code(raw_code, where, problems)
    fields = {k: v for k, v in item.items() if k not in ("code", "children")}
    node = build_node(code, parent, fields, where, problems)
    children = item.get("children")
    below = _yaml_nodes(children, f"{here}.children", code, file, problems) if children else []
    return [node, *below]


def _apply_overrides(nodes: list[NodeSpec], overrides: Any, file: str, problems: Problems) -> None:
    top = Where(file, "overrides")
    by_code = {n.code: n for n in nodes}
    for code, fields in _mapping(overrides, top, problems, "overrides").items():
        where = Where(file, f"overrides.{code}")
        node = by_code.get(_text(code))
        if node is None:
            where.report(problems, _("Không có chỉ tiêu mã “%(c)s” để ghi đè.") % {"c": code})
        else:
            apply_fields(node, _mapping(fields, where, problems, "overrides"), where, problems)


# ---------------------------------------------------------------- CSV


def _read_csv_nodes(path: Path, problems: Problems) -> list[NodeSpec]:
    text = read_text(path, problems)
    if text is None:
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not _check_header(reader.fieldnames or (), path.name, problems):
        return []
    nodes: list[NodeSpec] = []
    try:
        while True:
            # the row's first line, so a quoted multi-line name still points at its start
            line = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                break
            node = _csv_node(row, Where(path.name, _("dòng %(n)d") % {"n": line}), problems)
            if node is not None:
                nodes.append(node)
    except csv.Error as exc:
        problems.add(
            path.name,
            _("dòng %(n)d") % {"n": reader.line_num},
            _("CSV không hợp lệ: %(e)s") % {"e": exc},
        )
    return nodes


def _check_header(header: Sequence[str], file: str, problems: Problems) -> bool:
    where = Where(file, _("dòng 1"))
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        where.report(problems, _("Thiếu cột bắt buộc: %(c)s.") % {"c": ", ".join(missing)})
    for column in header:
        if column not in CSV_REQUIRED and column not in CSV_OPTIONAL:
            where.report(problems, _("Cột “%(c)s” không được hỗ trợ.") % {"c": column})
    return not missing


def _csv_node(row: dict[str | None, Any], where: Where, problems: Problems) -> NodeSpec | None:
    if None in row:  # DictReader files surplus cells under the key None
        where.report(
            problems, _("Dòng có nhiều ô hơn dòng tiêu đề (thiếu dấu nháy quanh dấu phẩy?).")
        )
        return None
    if all(not _text(v) for v in row.values()):
        return None  # a blank line between blocks is harmless
    fields = _csv_fields(row, where, problems)
    code = node_code(row.get("code"), where, problems)
    return build_node(code, _text(row.get("parent_code")) or None, fields, where, problems)


def _csv_fields(row: Mapping[str | None, Any], where: Where, problems: Problems) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for column, value in row.items():
        if column in ("code", "parent_code", "rule", "rule_params") or column is None:
            continue
        if _text(value) or column in ("name_vi", "level"):
            fields[CSV_RENAMES.get(column, column)] = value
    rule = _csv_rule(row, where, problems)
    if rule:
        fields["rule"] = rule
    return fields


def _csv_rule(row: Mapping[str | None, Any], where: Where, problems: Problems) -> dict[str, Any]:
    kind, raw = _text(row.get("rule")), _text(row.get("rule_params"))
    params: Any = {}
    if raw:
        try:
            params = json.loads(raw)
        except json.JSONDecodeError as exc:
            where.report(problems, _("rule_params không phải JSON hợp lệ: %(e)s") % {"e": exc.msg})
            return {}
        if not isinstance(params, dict):
            where.report(problems, _("rule_params phải là một đối tượng JSON {…}."))
            return {}
        if not kind:
            where.report(problems, _("Có rule_params nhưng thiếu cột rule (loại cách tính điểm)."))
    return {"kind": kind, **params} if kind else {}


def _read_csv_update(
    path: Path, base: FrameworkSpec | None, problems: Problems
) -> FrameworkSpec | None:
    if base is None:
        message = _("Tệp CSV chỉ chứa cây chỉ tiêu: hãy chỉ rõ bộ chỉ số (--framework MÃ).")
        problems.add(path.name, "", message)
        return None
    rows = _read_csv_nodes(path, problems)
    return merge_rows(base, rows, path.name)


def merge_rows(base: FrameworkSpec, rows: list[NodeSpec], source_name: str) -> FrameworkSpec:
    """The base version's tree with `rows` added, or replacing base nodes of the same code.

    This is how an administrator loads a decision's sub-indicators under the published main
    indicators without restating them; a main that gains children drops its own rule.
    """
    spec = FrameworkSpec(**{**base.__dict__, "source_name": source_name, "nodes": []})
    first: dict[str, NodeSpec] = {}
    for row in rows:
        first.setdefault(row.code, row)
    spec.nodes = [first.get(n.code) or _inherit(n) for n in base.nodes]
    used = {id(n) for n in spec.nodes}
    # duplicates stay in the list so that validation reports them
    spec.nodes += [r for r in rows if id(r) not in used]
    return spec


def _inherit(node: NodeSpec) -> NodeSpec:
    return NodeSpec(**{**node.__dict__, "inherited": True})
