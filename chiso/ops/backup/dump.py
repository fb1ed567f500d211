"""`chiso backup`: the database and the stored files, as of one moment, in one archive."""

from __future__ import annotations

import importlib.metadata
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.lib.formats import vn_number
from chiso.ops.backup import archive as zipped
from chiso.ops.backup.rows import (
    EXCLUDED,
    backed_up_models,
    columns,
    encode,
    file_columns,
    snapshot,
)

Progress = Callable[[str], None]
CHUNK_ROWS = 2000  # rows fetched per round trip; memory stays flat whatever the table size


def create_backup(path: Path, *, using: str = "default", progress: Progress) -> dict[str, Any]:
    """Write the archive at `path` and return its manifest.

    The tables are read in one read-only snapshot transaction (the site may keep running);
    the files they name are then copied from their storage. The archive is written under a
    `.partial` name and renamed only when complete, so a failed backup never leaves a file
    that looks like one. Raises BackupError when `path` already exists or its folder does not.
    """
    if path.exists():
        raise zipped.BackupError(_("Tệp %(p)s đã có; chọn tên khác.") % {"p": path})
    if not path.parent.is_dir():
        raise zipped.BackupError(_("Không có thư mục %(d)s.") % {"d": path.parent})
    partial = path.with_name(path.name + ".partial")
    try:
        manifest = _write(partial, connections[using], progress)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _write(partial: Path, connection: BaseDatabaseWrapper, progress: Progress) -> dict[str, Any]:
    refs: dict[str, set[str]] = {}
    with zipfile.ZipFile(
        partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6
    ) as archive:
        with snapshot(connection):
            manifest = _header(connection)
            manifest["tables"] = [
                _table(archive, model, connection, refs, progress) for model in backed_up_models()
            ]
        manifest["files"], manifest["missing_files"] = _files(archive, refs, progress)
        zipped.write_manifest(archive, manifest)
    return manifest


def _header(connection: BaseDatabaseWrapper) -> dict[str, Any]:
    return {
        "format": zipped.FORMAT,
        "format_version": zipped.FORMAT_VERSION,
        "chiso_version": _version(),
        "django_version": django.get_version(),
        "created_at": timezone.now().isoformat(),
        "database": {"vendor": connection.vendor},
        "migrations": applied_migrations(connection),
        "excluded": sorted(EXCLUDED),
    }


def _version() -> str:
    try:
        return importlib.metadata.version("chiso")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def applied_migrations(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    """{app label: names of its applied migrations}, sorted."""
    out: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        out.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(out.items())}


def _table(
    archive: zipfile.ZipFile,
    model: type[models.Model],
    connection: BaseDatabaseWrapper,
    refs: dict[str, set[str]],
    progress: Progress,
) -> dict[str, Any]:
    label = model._meta.label_lower
    fields = [f.attname for f in columns(model)]
    counter = [0]
    lines = _lines(model, fields, connection.alias, refs, counter)
    member = zipped.write_lines(archive, f"db/{label}.jsonl", lines)
    progress(_("  %(t)s: %(n)s dòng") % {"t": label, "n": vn_number(counter[0], 0)})
    return {
        "model": label,
        "table": model._meta.db_table,
        "member": member.name,
        "fields": fields,
        "rows": counter[0],
        "sha256": member.sha256,
        "size": member.size,
    }


def _lines(
    model: type[models.Model],
    fields: list[str],
    alias: str,
    refs: dict[str, set[str]],
    counter: list[int],
) -> Iterator[bytes]:
    """The table's rows in primary-key order, one JSON line each, noting the files they name."""
    holders = [(i, f"{model._meta.label_lower}.{f.name}") for i, f in file_columns(model)]
    rows = model._base_manager.using(alias).order_by("pk").values_list(*fields)
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        counter[0] += 1
        for i, holder in holders:
            if row[i]:
                refs.setdefault(row[i], set()).add(holder)
        yield encode(row)


def _files(
    archive: zipfile.ZipFile, refs: dict[str, set[str]], progress: Progress
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Copy every file a row names from its storage; list those that are not there."""
    stored, missing = [], []
    for name in sorted(refs):
        used_by = sorted(refs[name])
        storage = field_of(used_by[0]).storage
        if not zipped.safe_name(name) or not storage.exists(name):
            missing.append({"name": name, "used_by": used_by})
            progress(_("  Cảnh báo: thiếu tệp %(n)s (%(u)s)") % {"n": name, "u": used_by[0]})
            continue
        with storage.open(name, "rb") as source:
            member = zipped.write_stream(archive, f"files/{name}", source)
        entry = {"name": name, "used_by": used_by, "member": member.name}
        stored.append({**entry, "sha256": member.sha256, "size": member.size})
    progress(_("  tệp: %(n)s") % {"n": vn_number(len(stored), 0)})
    return stored, missing


def field_of(holder: str) -> models.FileField:
    """The file field named `app.model.field` (as the manifest names it)."""
    model_label, field_name = holder.rsplit(".", 1)
    field = apps.get_model(model_label)._meta.get_field(field_name)
    if not isinstance(field, models.FileField):
        raise TypeError(f"{holder} is not a file field")
    return field
