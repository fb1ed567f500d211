"""chiso extract FILE [--format json|text]: propose tasks and targets from a document's text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chiso.plans.extraction import ExtractionError, extract_file


class Command(BaseCommand):
    help = "Trích xuất nhiệm vụ, chỉ tiêu từ văn bản chỉ đạo (.txt, .docx, .pdf)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = extract_file(opts["file"])
        except (ExtractionError, OSError) as exc:
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
