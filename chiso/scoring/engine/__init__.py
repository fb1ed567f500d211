"""chiso's scoring engine: pure Python + numpy, no Django.

A framework is a `Tree` of `Node`s (leaves carry a `RuleSpec`) plus overlapping `View`s.
`score_cohort` scores every row of a `CohortInputs` at once; `rescore_rows` refreshes a result
after a few rows changed; `rank_competition`, `gaps` and `explain` read results.
"""

from __future__ import annotations

from .cohort import CohortInputs, CohortResult, rescore_rows, score_cohort
from .errors import EngineError, RuleError
from .explain import ExplainedChild, ExplainedInput, Explanation, explain
from .flags import FLAG_MESSAGES_VI, Flag
from .model import CompiledTree, Node, RuleSpec, Tree, View, compile_tree
from .ranking import Gap, gap_matrix, gaps, rank_competition
from .rules import RULES, InputSpec, Rule, build_rule, register

__all__ = [
    "FLAG_MESSAGES_VI",
    "RULES",
    "CohortInputs",
    "CohortResult",
    "CompiledTree",
    "EngineError",
    "ExplainedChild",
    "ExplainedInput",
    "Explanation",
    "Flag",
    "Gap",
    "InputSpec",
    "Node",
    "Rule",
    "RuleError",
    "RuleSpec",
    "Tree",
    "View",
    "build_rule",
    "compile_tree",
    "explain",
    "gap_matrix",
    "gaps",
    "rank_competition",
    "register",
    "rescore_rows",
    "score_cohort",
]
