from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chiso.exports.tests.cast import Cast


@pytest.fixture
def cast(db: None, tmp_path: Path, settings: Any) -> Cast:
    # A dozen personas hashed with argon2 would cost seconds per test; what is tested here
    # is access, not password storage.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return Cast(tmp_path)
