"""Separate chiso instances for the backup and storage tests: each has its own database and
file directory and is driven through the real `chiso` command in its own process."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# Tables `chiso migrate` fills by itself; a fresh instance has rows there and nowhere else.
SEEDED_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "sqlite_sequence",
    "org_groupstamp",  # its one row (org/migrations/0002)
}


@dataclass
class Instance:
    """A separate chiso: its own database and file directory, driven through the CLI."""

    name: str
    env: dict[str, str]
    media: Path

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "chiso.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    def files(self) -> dict[str, bytes]:
        found = (p for p in self.media.rglob("*") if p.is_file())
        return {p.relative_to(self.media).as_posix(): p.read_bytes() for p in found}


def instance_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHISO_", "DATABASE_URL"))}
    return {
        **clean,
        "CHISO_INSECURE_DEV": "1",
        "CHISO_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        **extra,
    }


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite database, made once; each instance starts from a copy."""
    folder = tmp_path_factory.mktemp("template")
    database = folder / "chiso.sqlite3"
    Instance("template", instance_env(folder, f"sqlite:///{database}"), folder / "media").run(
        "migrate"
    )
    return database


def sqlite_instance(root: Path, template: Path, **extra: str) -> Instance:
    root.mkdir()
    for suffix in ("", "-wal", "-shm"):  # a WAL not yet checkpointed holds the migrations
        if Path(f"{template}{suffix}").exists():
            shutil.copy(f"{template}{suffix}", root / f"chiso.sqlite3{suffix}")
    env = instance_env(root, f"sqlite:///{root / 'chiso.sqlite3'}", **extra)
    return Instance("sqlite", env, root / "media")


def rows_outside_seeded_tables(instance: Instance) -> int:
    with sqlite3.connect(instance.env["CHISO_DATA_DIR"] + "/chiso.sqlite3") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counted = [t for t in tables if t not in SEEDED_TABLES]
        return sum(db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in counted)
