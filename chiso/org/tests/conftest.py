from __future__ import annotations

from pathlib import Path

import pytest

from chiso.org.loaders import load_current_divisions, load_historic_divisions, load_organisations

NGHE_AN_YAML = Path(__file__).resolve().parents[1] / "data" / "nghe-an.yaml"


@pytest.fixture
def nghe_an_and_tay_ninh(db: None) -> None:
    """Current and historic units of two provinces: one continuous, one merged in 2025."""
    load_historic_divisions(["nghe-an", "tay-ninh"])


@pytest.fixture
def nghe_an_organisations(nghe_an_and_tay_ninh: None) -> None:
    load_organisations(NGHE_AN_YAML)


@pytest.fixture
def all_current(db: None) -> None:
    load_current_divisions()
