"""The reliability ledger: what the attack and fault tests tried, and what was lost.

Tests of issue 8 (access probes, hostile files, fuzzing, concurrent writers, killed servers)
record here what they did; the test run prints the totals at its end (see
`pytest_terminal_summary` in chiso/conftest.py) and docs/reliability.md keeps a copy.

    from chiso.lib.testing import ledger
    ledger.attack("IDOR: guessed ids", 240)        # attempts made, each one refused
    ledger.fault("SIGKILL during import")          # faults injected
    ledger.values(written=50_000, lost=0)          # values accepted vs values missing after

Counts are per process (one pytest run). A test records only what it actually did and
checked: an attack counts once its refusal was asserted, a value as lost when it was
accepted but not found afterwards.
"""

from __future__ import annotations

from collections import Counter

ATTACKS: Counter[str] = Counter()
FAULTS: Counter[str] = Counter()
VALUES: Counter[str] = Counter()  # "written", "lost"


def attack(category: str, count: int = 1) -> None:
    ATTACKS[category] += count


def fault(category: str, count: int = 1) -> None:
    FAULTS[category] += count


def values(*, written: int, lost: int) -> None:
    VALUES["written"] += written
    VALUES["lost"] += lost


def rows() -> list[tuple[str, str, int]]:
    """(kind, category, count) for the summary table, in a stable order."""
    out = [("attack", name, n) for name, n in sorted(ATTACKS.items())]
    out += [("fault", name, n) for name, n in sorted(FAULTS.items())]
    return out
