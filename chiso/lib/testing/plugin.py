"""pytest plugin: the reliability summary at the end of the run (registered in chiso/conftest.py).

Prints the ledger (attacks tried per category, faults injected, values written and lost);
a run that lost any value fails even when every test passed. With
CHISO_RELIABILITY_REPORT=docs/reliability.md (as `make soak` sets it) the table also replaces
the part of that file between the two markers below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from chiso.lib.testing import ledger

BEGIN = "<!-- reliability-table:begin -->"
END = "<!-- reliability-table:end -->"


def table() -> list[str]:
    """The summary as a Markdown table (also readable in a terminal)."""
    lines = ["| kind | category | count |", "|---|---|---:|"]
    lines += [f"| {kind} | {name} | {n:,} |" for kind, name, n in ledger.rows()]
    attacks, faults = sum(ledger.ATTACKS.values()), sum(ledger.FAULTS.values())
    lines += [
        f"| attack | **total attacks tried** | {attacks:,} |",
        f"| fault | **total faults injected** | {faults:,} |",
        f"| values | written | {ledger.VALUES['written']:,} |",
        f"| values | **lost (must be 0)** | {ledger.VALUES['lost']:,} |",
    ]
    return lines


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    if not (ledger.ATTACKS or ledger.FAULTS or ledger.VALUES):
        return  # a run that tried none of it (one module, say) has nothing to report
    terminalreporter.section("reliability")
    for line in table():
        terminalreporter.write_line(line)
    target = os.environ.get("CHISO_RELIABILITY_REPORT")
    if target:
        write_report(Path(target))
        terminalreporter.write_line(f"(bảng đã ghi vào {target})")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if ledger.VALUES["lost"] > 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def write_report(path: Path) -> None:
    """Replace the table between the markers (or append it, with the markers)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = "\n".join([BEGIN, *table(), END])
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
