"""Shared fixtures: real frameworks loaded from the shipped files, real units."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chiso.frameworks.models import Framework, FrameworkVersion
from chiso.frameworks.services import DATA_DIR, load_framework
from chiso.org.models import Unit

DEMO_DATA = Path(__file__).parent / "demo" / "data"


def load_version(name: str) -> FrameworkVersion:
    result = load_framework(DATA_DIR / name, actor="test")
    version = Framework.objects.get(code=result.framework_code).latest_version()
    assert version is not None
    return version


@pytest.fixture
def tayninh(db: None) -> FrameworkVersion:
    return load_version("tayninh-commune-2026.yaml")


@pytest.fixture
def dti2022(db: None) -> FrameworkVersion:
    return load_version("dti-province-2022.yaml")


@pytest.fixture
def can_giuoc(db: None) -> Unit:
    province = Unit.objects.create(code="tay-ninh", kind="province", name="Tỉnh Tây Ninh")
    return Unit.objects.create(
        code="tay-ninh.xa-can-giuoc",
        kind="commune",
        subtype="xã",
        name="Xã Cần Giuộc",
        parent=province,
        valid_from=dt.date(2025, 7, 1),
    )


@pytest.fixture
def sample_sheet() -> Path:
    return DEMO_DATA / "cangiuoc-2025-assessment.csv"
