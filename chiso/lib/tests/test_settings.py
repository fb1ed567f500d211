"""Settings fail loudly on malformed environment values (checked in a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CASES = [
    ({"CHISO_DEBUG": "maybe"}, "CHISO_DEBUG='maybe'"),
    ({"CHISO_SESSION_AGE": "eight hours", "CHISO_INSECURE_DEV": "1"}, "CHISO_SESSION_AGE"),
    (
        {"DATABASE_URL": "mysql://x@y/z", "CHISO_INSECURE_DEV": "1"},
        "only sqlite:// and postgres://",
    ),
    (
        {"CHISO_DEBUG": "0", "CHISO_INSECURE_DEV": "0", "CHISO_SECRET_KEY": ""},
        "CHISO_SECRET_KEY is required",
    ),
]


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHISO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import chiso.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(("env", "message"), CASES)
def test_a_malformed_variable_stops_the_process_naming_it(
    env: dict[str, str], message: str
) -> None:
    result = _import_settings(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_well_formed_variables_are_accepted() -> None:
    key = "0123456789abcdef" * 4  # production rules: ≥ 50 characters, ≥ 5 distinct
    env = {"CHISO_SECRET_KEY": key, "CHISO_DEBUG": "no", "CHISO_ALLOWED_HOSTS": "example.org"}
    result = _import_settings(env)
    assert result.returncode == 0, result.stderr
