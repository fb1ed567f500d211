"""Every setting and every CLI verb is documented (datasette's habit)."""

from __future__ import annotations

import re
from pathlib import Path

from chiso.cli import VERBS

ROOT = Path(__file__).resolve().parents[3]


def test_every_environment_variable_read_by_settings_is_documented() -> None:
    source = (ROOT / "chiso" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'env_\w+\("([A-Z_]+)"', source))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert names, "the settings read no variables? the pattern must be wrong"
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert missing == []


def test_every_cli_verb_is_documented() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = sorted(v for v in VERBS if f"`chiso {v}" not in doc)
    assert missing == []
