"""Concurrent writers through the REST API against a real gunicorn: every accepted value is
stored exactly once, a 409 (optimistic locking) is retried as a real client would until the
value is stored, and the scores agree with a fresh re-score afterwards.

Several writers share each assessment, each owning some of its indicators, so they collide on
the assessment's revision; the cohort rules (best of the cohort, min–max) make every write
re-score every unit, so a lost or out-of-order re-score shows.

The CI run is bounded; `make soak` runs the full size (50 writers × 1,000 values).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from chiso.accounts.choices import Role
from chiso.accounts.models import AuditEvent
from chiso.accounts.services import add_member, create_user
from chiso.api.tokens import create_token
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import ensure_period, open_assessments
from chiso.frameworks.models import Framework
from chiso.frameworks.services import load_framework
from chiso.lib.testing import ledger
from chiso.lib.testing.served import shared_database
from chiso.ops.integrity import check_all
from chiso.org.models import Unit

FRAMEWORK = """
code: load-commune
title: Bộ chỉ số thử tải
status: example
provenance: Dữ liệu thử nghiệm.
scale: 120
unit_kinds: [commune]
tree:
  - code: "1"
    name: Thử tải
    level: main
    max_points: 120
    children:
"""
RULES = [
    ("relative_to_best", "{kind: relative_to_best}"),
    ("min_max", "{kind: min_max}"),
    ("per_item", "{kind: per_item, points_per_item: 1}"),
    ("boolean", "{kind: boolean}"),
]
LEAVES = 12
BATCH = 10  # values per PATCH


def framework_yaml() -> str:
    leaves = []
    for i in range(LEAVES):
        kind, rule = RULES[i % len(RULES)]
        leaves.append(
            f'      - {{level: sub, code: "1.{i + 1}", name: "Chỉ tiêu {kind} {i + 1}", '
            f"max_points: 10, rule: {rule}}}"
        )
    return FRAMEWORK + "\n".join(leaves) + "\n"


def inputs_for(code: str, n: int) -> dict[str, Any]:
    kind = RULES[(int(code.split(".")[1]) - 1) % len(RULES)][0]
    if kind == "per_item":
        return {"count": n % 7}
    if kind == "boolean":
        return {"value": n % 2}
    return {"value": float(n % 97) + 0.5}


@dataclass
class Writer:
    number: int
    token: str
    assessment: int
    codes: list[str]
    values: int
    accepted: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)

    def batches(self) -> list[list[dict[str, Any]]]:
        changes = []
        for n in range(self.values):
            code = self.codes[n % len(self.codes)]
            note = f"w{self.number}:{n}"
            changes.append({"code": code, "inputs": inputs_for(code, n), "note": note})
        return [changes[i : i + BATCH] for i in range(0, len(changes), BATCH)]


def call(url: str, token: str, method: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        payload = exc.read()
        try:
            return exc.code, json.loads(payload)
        except ValueError:
            return exc.code, payload.decode(errors="replace")[:500]


def drive(writer: Writer, base: str, start: threading.Barrier) -> None:
    """A real client: read the revision, send each batch, on 409 take the new revision and
    send the same batch again (the values are this writer's own, so it keeps them)."""
    url = f"{base}/api/assessments/{writer.assessment}"
    status, body = call(url, writer.token, "GET")
    revision = body["revision"] if status == 200 else 0
    start.wait()
    for batch in writer.batches():
        for _attempt in range(500):
            status, body = call(f"{url}/entries", writer.token, "PATCH",
                                {"revision": revision, "changes": batch})  # fmt: skip
            if status == 409:
                writer.conflicts += 1
                revision = body["revision"]
                continue
            if status != 200:
                writer.errors.append(f"{status}: {body}")
            else:
                revision = body["revision"]
                writer.accepted += [(c["code"], c["note"], c["inputs"]) for c in batch]
            break


def cast(writers: int, values: int, per_assessment: int, tmp_path: Path) -> list[Writer]:
    path = tmp_path / "load.yaml"
    path.write_text(framework_yaml(), encoding="utf-8")
    load_framework(path, actor="test")
    version = Framework.objects.get(code="load-commune").latest_version()
    assert version is not None
    province = Unit.objects.create(code="t", kind="province", name="Tỉnh Thử")
    count = -(-writers // per_assessment)
    communes = [
        Unit.objects.create(
            code=f"t.xa-{i}",
            kind="commune",
            name=f"Xã {i}",
            parent=province,
            valid_from=dt.date(2020, 1, 1),
        )
        for i in range(count)
    ]
    assessments = open_assessments(version, ensure_period("2025"), communes, "test")
    codes = [f"1.{i + 1}" for i in range(LEAVES)]
    out = []
    for n in range(writers):
        index, slot = divmod(n, per_assessment)
        user = create_user(f"writer{n}", "mật-khẩu-dài-2025", "test")
        add_member(user, communes[index], Role.REPORTER, "test")
        mine = [c for i, c in enumerate(codes) if i % per_assessment == slot]
        secret = create_token(user, "load").secret
        out.append(Writer(n, secret, assessments[index].pk, mine, values))
    return out


def check_stored(writers: list[Writer]) -> tuple[int, int, list[str]]:
    """(values written, values lost, problems): each accepted value has exactly one audit row
    and each indicator holds its writer's last value."""
    notes: Counter[str] = Counter()
    for new in AuditEvent.objects.filter(action="entry.update").values_list("new", flat=True):
        if new and new.get("note"):
            notes[new["note"]] += 1
    problems, written, lost = [], 0, 0
    entries = {
        (e.assessment_id, e.indicator.code): e
        for e in Entry.objects.select_related("indicator").filter(
            assessment__in={w.assessment for w in writers}
        )
    }
    for writer in writers:
        written += len(writer.accepted)
        missing = [note for _c, note, _i in writer.accepted if notes[note] != 1]
        lost += sum(1 for note in missing if notes[note] == 0)
        problems += [f"{note}: {notes[note]} audit rows" for note in missing]
        last = {code: (note, inputs) for code, note, inputs in writer.accepted}
        for code, (note, inputs) in last.items():
            entry = entries[(writer.assessment, code)]
            if (entry.note, entry.self_inputs) != (note, inputs):
                lost += 1
                problems.append(f"{code} of #{writer.assessment}: {entry.note} ≠ {note}")
    return written, lost, problems


def run_load(tmp_path: Path, writers: int, values: int, per_assessment: int) -> None:
    team = cast(writers, values, per_assessment, tmp_path)
    start = threading.Barrier(writers)
    with shared_database(tmp_path) as site, site.server(workers=4, threads=4) as base:
        threads = [threading.Thread(target=drive, args=(w, base, start)) for w in team]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    errors = [e for w in team for e in w.errors]
    if errors:
        print(site.log()[-5000:])
    written, lost, problems = check_stored(team)
    ledger.values(written=written, lost=lost)
    conflicts = sum(w.conflicts for w in team)
    print(
        f"\n[concurrency] {connection.vendor}: {writers} writers × {values} values "
        f"({per_assessment} writers per assessment): {written} written, {lost} lost, "
        f"{conflicts} conflicts (409) retried"
    )
    assert errors == []
    assert written == writers * values
    assert problems == [] and lost == 0
    report = check_all(("scores", "audit"))
    assert report.problems == [], report.problems
    assert Assessment.objects.count() == -(-writers // per_assessment)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_through_the_api_lose_nothing(tmp_path: Path, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Sized to stay well under a minute per database on 2 cores; `make soak` runs 50 × 1,000.
    if connection.vendor == "postgresql":
        run_load(tmp_path, writers=50, values=20, per_assessment=5)
    else:
        run_load(tmp_path, writers=10, values=20, per_assessment=5)


@pytest.mark.soak
@pytest.mark.django_db(transaction=True)
def test_fifty_writers_of_a_thousand_values_each_lose_nothing(
    tmp_path: Path, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    run_load(tmp_path, writers=50, values=1000, per_assessment=5)
