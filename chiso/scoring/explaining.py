"""Explain one indicator of one assessment: raw inputs → rule → points."""

from __future__ import annotations

from chiso.collection.models import Assessment
from chiso.scoring.engine import Explanation, explain, score_cohort
from chiso.scoring.queries import ScoreLookupError
from chiso.scoring.services import cohort_inputs, leaves_by_id, load_inputs
from chiso.scoring.trees import tree_for


def explain_indicator(assessment: Assessment, code: str, stage: str = "final") -> Explanation:
    """Re-run the engine over the assessment's cohort (cohort rules need it) and explain `code`.

    Raises ScoreLookupError when the framework has no such indicator.
    """
    compiled = tree_for(assessment.version)
    if code not in compiled.node_index:
        raise ScoreLookupError(f"Bộ chỉ số không có chỉ tiêu mã '{code}'")
    cohort = list(
        Assessment.objects.filter(version=assessment.version, period=assessment.period)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    stored = load_inputs(cohort)
    leaves = leaves_by_id(assessment.version)
    inputs = cohort_inputs([stored[pk] for pk in cohort], leaves, stage)
    result = score_cohort(compiled, inputs)
    return explain(compiled, inputs, result, cohort.index(assessment.pk), code)
