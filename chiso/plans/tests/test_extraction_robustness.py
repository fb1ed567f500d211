"""Malformed input never crashes, and the output keeps exactly the schema's keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chiso.lib.text import nfc
from chiso.plans.extraction import extract, extract_with_spans

DOC_KEYS = {"doc", "issuer", "issued_date", "tasks", "targets"}
TASK_KEYS = {"lead", "coordinating", "text", "deadline", "recurrence", "targets"}
TARGET_KEYS = {"metric", "value", "unit", "comparator", "by", "scope"}
SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"


def check_schema(text: str) -> None:
    result, spans = extract_with_spans(text, "x.txt")
    json.dumps(result, ensure_ascii=False)
    assert set(result) == DOC_KEYS
    assert len(spans) == len(result["tasks"])
    for task, (start, end) in zip(result["tasks"], spans, strict=True):
        assert set(task) == TASK_KEYS
        assert nfc(text)[start:end] == task["text"]
        for target in task["targets"]:
            assert set(target) == TARGET_KEYS
    for target in result["targets"]:
        assert set(target) == TARGET_KEYS


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t  \n",
        "\x00\x01\x02\ufffd\ufeff",
        ":" * 50,
        "– \n+ \n1.\nI-\n",
        "Sở Y tế:" * 300,
        "trên %" * 100,
        "trước ngày 99/99/9999 và tháng 13/2024",
        "Triển khai " + "dữ liệu, " * 20000 + "hoàn thành trước ngày 30/6/2024.",
        bytes(range(256)).decode("latin-1"),
    ],
)
def test_malformed_input_does_not_crash(text: str) -> None:
    check_schema(text)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("Sở Tài chính:–+•1.%/-;,() \nđẠẮếụ0123456789trước ngày năm tháng quý đạt trên")
        ),
        max_size=400,
    )
)
def test_it_never_crashes_on_arbitrary_text(text: str) -> None:
    check_schema(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_it_never_crashes_on_arbitrary_unicode(text: str) -> None:
    extract(text)


@pytest.mark.skipif(not SEEDS.exists(), reason="shared seeds not mounted")
def test_every_seed_gives_schema_objects_with_verbatim_texts() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        check_schema(path.read_text(encoding="utf-8"))


def test_extraction_is_deterministic() -> None:
    text = "Sở Y tế:\n– Triển khai hồ sơ sức khỏe điện tử đạt 80% dân số trong năm 2025."
    assert extract(text) == extract(text)
