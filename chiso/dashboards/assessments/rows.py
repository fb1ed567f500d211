"""The assessment form as data: one `Leaf` per scored indicator, grouped by main indicator.

Generated from the framework (each leaf's rule declares its inputs), filled from the stored
entries and the latest score snapshots. Building a page costs a fixed number of queries
however many indicators the framework has.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.http import QueryDict
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.choices import EntryStatus, Review, Stage
from chiso.collection.models import Assessment, Entry, Evidence
from chiso.collection.services import validate_inputs
from chiso.collection.workflow import EDITABLE_BY_REPORTER
from chiso.dashboards.forms import EntryMetaForm
from chiso.frameworks.models import Indicator
from chiso.lib.formats import parse_vn_number, vn_number
from chiso.scoring.engine import RULES, Flag, InputSpec, Rule
from chiso.scoring.models import ScoreSnapshot

STAGES: tuple[str, ...] = (Stage.SELF, Stage.APPRAISAL, Stage.FINAL)
_STAGE_FIELD: dict[str, str] = {
    Stage.SELF: "self_inputs",
    Stage.APPRAISAL: "appraisal_inputs",
    Stage.FINAL: "final_inputs",
}


@lru_cache(maxsize=4096)
def _rule(kind: str, params_json: str, max_points: float) -> Rule:
    return RULES[kind].from_params(json.loads(params_json), max_points)


def rule_of(indicator: Indicator) -> Rule:
    """The parsed rule of a leaf (cached: a used framework version never changes)."""
    params = json.dumps(indicator.rule_params or {}, sort_keys=True)
    return _rule(indicator.rule_kind, params, indicator.max_points)


def options_of(indicator: Indicator) -> list[tuple[str, str]]:
    raw = (indicator.rule_params or {}).get("options", [])
    return [(str(o["key"]), str(o.get("label", o["key"]))) for o in raw if isinstance(o, dict)]


# --- values: stored ↔ typed ----------------------------------------------------------------


def as_text(value: Any) -> str:
    """A stored input as it is shown in a text box: 7.5 → "7,5", 90.0 → "90"."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value)).replace(".", ",")
    return str(value)


def parse_value(spec: InputSpec, raw: str) -> Any:
    """Typed text → stored input. Unparseable text is passed on as is, so the service's own
    validation names it precisely ("phải là một số, không phải 'abc'")."""
    if spec.type == "choice":
        return raw
    try:
        number = parse_vn_number(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() else number


def typed_inputs(
    indicator: Indicator, data: QueryDict, prefix: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """(inputs to save, raw typed text) of one leaf from a POST; empty boxes are left out."""
    inputs: dict[str, Any] = {}
    raw: dict[str, str] = {}
    for spec in rule_of(indicator).inputs:
        text = data.get(f"{prefix}-{spec.name}", "").strip()
        raw[spec.name] = text
        if text:
            inputs[spec.name] = parse_value(spec, text)
    return inputs, raw


def check_typed(
    indicator: Indicator, inputs: Mapping[str, Any]
) -> tuple[dict[str, str], list[str]]:
    """({input name: message}, leaf-wide messages) — the service's rules, placed by field."""
    by_field = {}
    for name, value in inputs.items():
        messages = validate_inputs(indicator, {name: value})
        if messages:
            by_field[name] = messages[0]
    leaf_wide = [] if by_field else validate_inputs(indicator, inputs)
    return by_field, leaf_wide


def describe(indicator: Indicator, inputs: Mapping[str, Any] | None) -> str:
    """Stored inputs in words: "Tử số = 90; Mẫu số = 100", "Có", an option's label."""
    if not inputs:
        return "–"
    labels = {s.name: s for s in rule_of(indicator).inputs}
    options = dict(options_of(indicator))
    parts = []
    for name, value in inputs.items():
        spec = labels.get(name)
        if spec is None:
            continue
        parts.append(f"{spec.label_vi} = {_shown(spec, value, options)}")
    return "; ".join(parts) or "–"


def _shown(spec: InputSpec, value: Any, options: Mapping[str, str]) -> str:
    if spec.type == "bool" and value in (0, 1):
        return _("Có") if value == 1 else _("Không")
    if spec.type == "choice":
        return options.get(str(value), str(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return vn_number(value, 0 if float(value).is_integer() else 2)
    return str(value)


# --- the page model --------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    key: str  # the form field's name
    type: str
    label: str
    value: str
    options: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""

    @property
    def html_id(self) -> str:
        return f"f-{self.key}"


@dataclass
class Conflict:
    """Someone saved first: both values, and the revision to overwrite against."""

    theirs: str
    yours: str
    revision: int


@dataclass
class Leaf:
    entry: Entry
    indicator: Indicator
    rule_text: str
    fields: list[Field]
    stored: dict[str, str]  # stage → inputs in words
    points: dict[str, float | None]
    flags: list[str]
    evidence: list[Evidence]
    editable: bool
    messages: list[str] = field(default_factory=list)
    conflict: Conflict | None = None
    saved: bool = False
    # The evidence forms of this leaf (set by the page when the user may add evidence), and
    # whether to show them open: after an error they come back bound, with what was typed.
    upload_form: Any = None
    reference_form: Any = None
    evidence_open: bool = False
    evidence_errors: list[str] = field(default_factory=list)
    # The owner / due date / note form drawn back after a failed save (else a fresh one).
    meta_bound: EntryMetaForm | None = None

    @property
    def pk(self) -> int:
        return self.entry.pk

    @property
    def difference(self) -> float | None:
        mine, final = self.points.get(Stage.SELF), self.points.get(Stage.FINAL)
        return None if mine is None or final is None else final - mine

    @property
    def base(self) -> str:
        """The self inputs this row was drawn with (to tell a real conflict from a stale rev)."""
        return json.dumps(self.entry.self_inputs or {}, sort_keys=True)

    @property
    def returned(self) -> bool:
        return self.entry.review == Review.RETURNED

    @property
    def meta_form(self) -> EntryMetaForm | None:
        """Owner, due date and note to edit: wherever the figures are editable."""
        if not self.editable:
            return None
        if self.meta_bound is None:
            self.meta_bound = EntryMetaForm.of(self.entry)
        return self.meta_bound

    @property
    def meta_open(self) -> bool:
        """Show the form open: it came back with messages beside its boxes."""
        return self.meta_bound is not None and bool(self.meta_bound.errors)

    @property
    def overdue(self) -> bool:
        """Past its due date ("Hạn xử lý") and not done."""
        due = self.entry.due
        return due is not None and due < localdate() and self.entry.progress != EntryStatus.DONE


@dataclass
class Group:
    code: str
    name: str
    max_points: float
    points: dict[str, float | None]
    leaves: list[Leaf] = field(default_factory=list)


@dataclass
class Typed:
    """What a user typed and what was wrong with it, to draw it back unchanged."""

    values: dict[int, dict[str, str]] = field(default_factory=dict)
    errors: dict[int, dict[str, str]] = field(default_factory=dict)
    messages: dict[int, list[str]] = field(default_factory=dict)
    conflicts: dict[int, Conflict] = field(default_factory=dict)
    saved: set[int] = field(default_factory=set)


@dataclass
class Sheet:
    assessment: Assessment
    groups: list[Group]
    snapshots: dict[str, ScoreSnapshot]
    can_edit: bool

    @property
    def leaves(self) -> list[Leaf]:
        return [leaf for g in self.groups for leaf in g.leaves]

    def leaf(self, entry_id: int) -> Leaf | None:
        return next((leaf for leaf in self.leaves if leaf.pk == entry_id), None)

    @property
    def totals(self) -> dict[str, float | None]:
        return {s: (snap.total if (snap := self.snapshots.get(s)) else None) for s in STAGES}

    @property
    def final(self) -> ScoreSnapshot | None:
        return self.snapshots.get(Stage.FINAL)


def can_edit(user: access.User, assessment: Assessment) -> bool:
    """The reporter of the unit, while the assessment is with the unit."""
    if assessment.status not in EDITABLE_BY_REPORTER:
        return False
    return access.has_role(user, assessment.unit, Role.REPORTER)


def leaf_editable(user: access.User, assessment: Assessment, entry: Entry) -> bool:
    """Whether `user` may edit this one indicator now (as `build_sheet` draws it)."""
    return can_edit(user, assessment) and _leaf_editable(assessment, entry)


def build_sheet(assessment: Assessment, user: access.User, typed: Typed | None = None) -> Sheet:
    """The whole form of `assessment` as `user` sees it (inputs only where they may edit)."""
    typed = typed or Typed()
    snapshots = {s.stage: s for s in ScoreSnapshot.objects.filter(assessment=assessment)}
    editable = can_edit(user, assessment)
    entries = list(
        assessment.entries.select_related("indicator")
        .prefetch_related("evidence")
        .order_by("indicator__position")
    )
    groups = _groups(assessment, snapshots)
    tree = _tree(assessment)
    for entry in entries:
        leaf = _leaf(entry, snapshots, editable and _leaf_editable(assessment, entry), typed)
        groups[_main_of(entry.indicator, tree)].leaves.append(leaf)
    return Sheet(assessment, [g for g in groups.values() if g.leaves], snapshots, editable)


def _leaf_editable(assessment: Assessment, entry: Entry) -> bool:
    return assessment.status == S.DRAFT or entry.review == Review.RETURNED


def _tree(assessment: Assessment) -> dict[int, Indicator]:
    """Every indicator of the version by id, read once per page."""
    cached: dict[int, Indicator] | None = getattr(assessment, "_chiso_tree", None)
    if cached is None:
        rows = Indicator.objects.filter(version_id=assessment.version_id).order_by("position")
        cached = {i.pk: i for i in rows}
        assessment._chiso_tree = cached  # type: ignore[attr-defined]
    return cached


def _main_of(indicator: Indicator, tree: Mapping[int, Indicator]) -> int:
    """The id of the leaf's main indicator (or its top ancestor when it has none)."""
    current = tree.get(indicator.pk, indicator)
    while current.level != "main" and current.parent_id in tree:
        current = tree[current.parent_id]  # type: ignore[index]
    return current.pk


def _groups(assessment: Assessment, snapshots: Mapping[str, ScoreSnapshot]) -> dict[int, Group]:
    tree = _tree(assessment)
    heads = {_main_of(i, tree) for i in tree.values() if i.is_leaf}
    out = {}
    for pk in sorted(heads, key=lambda k: tree[k].position):
        head = tree[pk]
        points = {stage: _points(snapshots, stage, head.code) for stage in STAGES}
        out[pk] = Group(head.code, head.name, head.max_points, points)
    return out


def _points(snapshots: Mapping[str, ScoreSnapshot], stage: str, code: str) -> float | None:
    snap = snapshots.get(stage)
    return None if snap is None else float(snap.points.get(code, 0.0))


def _leaf(
    entry: Entry, snapshots: Mapping[str, ScoreSnapshot], editable: bool, typed: Typed
) -> Leaf:
    indicator = entry.indicator
    rule = rule_of(indicator)
    return Leaf(
        entry=entry,
        indicator=indicator,
        rule_text=rule.describe_vi(indicator.max_points),
        fields=_fields(entry, rule, typed),
        stored={s: describe(indicator, getattr(entry, _STAGE_FIELD[s])) for s in STAGES},
        points={s: _points(snapshots, s, indicator.code) for s in STAGES},
        flags=_flags(entry, rule, snapshots),
        evidence=list(entry.evidence.all()),
        editable=editable,
        messages=typed.messages.get(entry.pk, []),
        conflict=typed.conflicts.get(entry.pk),
        saved=entry.pk in typed.saved,
    )


def input_fields(
    indicator: Indicator, prefix: str, values: Mapping[str, Any] | None, typed: Mapping[str, str]
) -> list[Field]:
    """Boxes for a leaf's inputs named `prefix-<input>`, showing `typed` text or `values`."""
    options = options_of(indicator)
    stored = values or {}
    return [
        Field(
            name=spec.name,
            key=f"{prefix}-{spec.name}",
            type=spec.type,
            label=spec.label_vi,
            value=typed[spec.name] if spec.name in typed else as_text(stored.get(spec.name)),
            options=options if spec.type == "choice" else [],
        )
        for spec in rule_of(indicator).inputs
    ]


def _fields(entry: Entry, rule: Rule, typed: Typed) -> list[Field]:
    stored = entry.self_inputs or {}
    mine = typed.values.get(entry.pk)
    errors = typed.errors.get(entry.pk, {})
    options = options_of(entry.indicator)
    return [
        Field(
            name=spec.name,
            key=f"in-{entry.pk}-{spec.name}",
            type=spec.type,
            label=spec.label_vi,
            value=mine.get(spec.name, "") if mine is not None else as_text(stored.get(spec.name)),
            options=options if spec.type == "choice" else [],
            error=errors.get(spec.name, ""),
        )
        for spec in rule.inputs
    ]


def _flags(entry: Entry, rule: Rule, snapshots: Mapping[str, ScoreSnapshot]) -> list[str]:
    """The engine's flags on the unit's own figures, in Vietnamese."""
    snap = snapshots.get(Stage.SELF)
    names = snap.flags.get(entry.indicator.code, []) if snap else []
    bits = 0
    for name in names:
        bits |= int(Flag[name]) if name in Flag.__members__ else 0
    values = {k: v for k, v in (entry.self_inputs or {}).items() if v not in (None, "")}
    return rule.flag_messages_vi(bits, values) if bits else []
