"""chiso extract FILE [--format json|text]: propose tasks and targets from a document's text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiso.lib import safe_files
from chiso.plans.evidence import max_bytes
from chiso.plans.extraction import ExtractionError, extract_file


def _check_safe(path: Path) -> None:
    """The web upload's checks (size, zip bomb, content against name) for a local file."""
    if not path.is_file():
        return  # the reader says the file is missing, in Vietnamese
    safe_files.check_file_path(path, max_bytes())
    with path.open("rb") as stream:
        safe_files.check_document(stream, path.name)


class Command(BaseCommand):
    help = "Trích xuất nhiệm vụ, chỉ tiêu từ văn bản chỉ đạo (.txt, .docx, .pdf)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            _check_safe(opts["file"])
            result = extract_file(opts["file"])
        except (ExtractionError, OSError, safe_files.UnsafeFile) as exc:
            raise CommandError(str(exc)) from exc
        if opts["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{result.get('issuer') or '?'} — {result.get('issued_date') or ''}")
        for n, task in enumerate(result["tasks"], 1):
            lead = task.get("lead") or "—"
            self.stdout.write(f"{n:>3}. [{lead}] {task['text']}  (hạn: {task.get('deadline')})")
        for target in result["targets"]:
            self.stdout.write(
                f"  • {target['metric']} {target['comparator']} {target['value']} "
                f"{target['unit']} (đến {target.get('by')})"
            )
