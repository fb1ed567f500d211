"""Explain one indicator of one assessment: raw inputs → rule → points."""

from __future__ import annotations

from chiso.collection.models import Assessment, Entry
from chiso.scoring.engine import Explanation, explain, score_cohort
from chiso.scoring.queries import ScoreLookupError
from chiso.scoring.services import cohort_inputs
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
    entries: dict[int, list[Entry]] = {pk: [] for pk in cohort}
    for entry in Entry.objects.filter(assessment__in=cohort).select_related("indicator"):
        entries[entry.assessment_id].append(entry)
    inputs = cohort_inputs([entries[pk] for pk in cohort], stage)
    result = score_cohort(compiled, inputs)
    return explain(compiled, inputs, result, cohort.index(assessment.pk), code)
