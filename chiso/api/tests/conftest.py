from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chiso.api.tests.world import World
from chiso.exports.tests.cast import Cast


@pytest.fixture
def cast(db: None, tmp_path: Path, settings: Any) -> Cast:
    # A dozen personas hashed with argon2 would cost seconds per test; what is tested here
    # is access, not password storage.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return Cast(tmp_path)


@pytest.fixture
def world(db: None, tmp_path: Path, settings: Any) -> World:
    """The Cast province with one of every object a URL names (chiso/api/tests/world.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    return World(tmp_path)
