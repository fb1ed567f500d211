"""`chiso restore`: an archive onto an empty instance, all of it or nothing.

Order of work: read the manifest; check that this instance has the same migrations and no
data; verify every member's sha256 and every file already in the storage; only then write —
all rows in one transaction (primary keys kept, foreign keys checked at commit, fields
written as stored: nothing recomputes `auto_now_add` times or the audit log's hashes), the
sequences moved past the restored ids, the files through the storage API and read back
against their sha256. A failure anywhere rolls the rows back and deletes the files written.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.files import File
from django.core.files.storage import Storage
from django.core.management.color import no_style
from django.db import DatabaseError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

from chiso.lib.formats import vn_number
from chiso.ops.backup import archive as zipped
from chiso.ops.backup.archive import BackupError
from chiso.ops.backup.dump import applied_migrations, field_of
from chiso.ops.backup.rows import (
    SEEDED,
    backed_up_models,
    columns,
    decode,
    decoders,
    plain_sql,
)

Progress = Callable[[str], None]
MAX_BATCH = 1000  # rows per INSERT; the database's parameter limit may lower it
SPOOL = 8 << 20  # a file up to this size is staged in memory, larger ones on disk
SHOWN = 10  # problems listed in one message


@dataclass
class Table:
    model: type[models.Model]
    fields: list[models.Field[Any, Any]]
    entry: dict[str, Any]


@dataclass
class StoredFile:
    entry: dict[str, Any]
    storages: list[Storage]
    present: list[Storage] = field(default_factory=list)  # already there, same bytes


def restore_backup(
    path: Path, *, using: str = "default", progress: Progress, check_only: bool = False
) -> dict[str, Any]:
    """Restore the archive at `path` into the empty database `using` and the file storage.

    Raises BackupError, before anything is written, when the archive is damaged or altered
    (a sha256 or size differs), was made by another schema (migrations differ), or the
    database already holds data; and after a failed write, which is then undone. With
    `check_only` it stops after verifying the archive.
    """
    with zipped.open_archive(path) as archive:
        manifest = zipped.read_manifest(archive)
        connection = connections[using]
        if not check_only:
            _check_migrations(manifest, connection)
            tables = _plan(manifest)
            _check_empty(connection)
        _verify(archive, manifest, progress)
        if check_only:
            return manifest
        stored = _check_storages(manifest)
        _write(archive, connection, tables, stored, progress)
        for missing in manifest.get("missing_files", []):
            progress(_("  Cảnh báo: tệp %(n)s đã thiếu khi sao lưu.") % {"n": missing["name"]})
    ContentType.objects.clear_cache()  # the ids were replaced by the backup's
    return manifest


def _fail(intro: str, problems: list[str]) -> BackupError:
    lines = [intro, *(f"  – {p}" for p in problems[:SHOWN])]
    if len(problems) > SHOWN:
        lines.append(_("  … và %(n)s vấn đề khác.") % {"n": len(problems) - SHOWN})
    return BackupError("\n".join(lines))


def _plan(manifest: dict[str, Any]) -> list[Table]:
    """Each backed-up table matched to this instance's model and fields, in manifest order."""
    tables, problems = [], []
    for entry in manifest["tables"]:
        try:
            model = apps.get_model(entry["model"])
        except (LookupError, ValueError):
            problems.append(_("bảng %(t)s không có trong bản chiso này") % {"t": entry["model"]})
            continue
        by_attname = {f.attname: f for f in columns(model)}
        if set(entry["fields"]) != set(by_attname):
            diff = sorted(set(entry["fields"]) ^ set(by_attname))
            problems.append(
                _("bảng %(t)s có cột khác: %(c)s") % {"t": entry["model"], "c": ", ".join(diff)}
            )
            continue
        tables.append(Table(model, [by_attname[a] for a in entry["fields"]], entry))
    if problems:
        raise _fail(_("Bản sao lưu không khớp với cấu trúc dữ liệu của bản chiso này:"), problems)
    return tables


def _check_migrations(manifest: dict[str, Any], connection: BaseDatabaseWrapper) -> None:
    """The same migrations applied here as where the backup was made (same schema)."""
    theirs = {app: set(names) for app, names in manifest["migrations"].items()}
    ours = {app: set(names) for app, names in applied_migrations(connection).items()}
    if not ours:
        raise BackupError(_("Cơ sở dữ liệu đích chưa có bảng nào: chạy `chiso migrate` trước."))
    problems = []
    for app in sorted(set(theirs) | set(ours)):
        only_backup = sorted(theirs.get(app, set()) - ours.get(app, set()))
        only_here = sorted(ours.get(app, set()) - theirs.get(app, set()))
        if only_backup:
            problems.append(
                _("%(a)s: bản sao lưu có %(m)s, ở đây chưa có")
                % {"a": app, "m": ", ".join(only_backup)}
            )
        if only_here:
            problems.append(
                _("%(a)s: ở đây có %(m)s, bản sao lưu không có")
                % {"a": app, "m": ", ".join(only_here)}
            )
    if problems:
        intro = _(
            "Bản sao lưu được tạo với cấu trúc cơ sở dữ liệu khác (migration khác nhau). "
            "Hãy khôi phục bằng đúng phiên bản chiso %(v)s đã tạo nó, rồi mới nâng cấp:"
        ) % {"v": manifest.get("chiso_version", "?")}
        raise _fail(intro, problems)


def _check_empty(connection: BaseDatabaseWrapper) -> None:
    """Refuse a database that holds any row (beyond what `chiso migrate` puts there)."""
    alias = connection.alias
    full = [
        model._meta.label_lower
        for model in backed_up_models()
        if model._meta.label_lower not in SEEDED and model._base_manager.using(alias).exists()
    ]
    if full:
        intro = _(
            "Cơ sở dữ liệu đích không trống, không khôi phục gì. Chỉ khôi phục vào một cơ sở "
            "dữ liệu mới: tạo cơ sở dữ liệu trống, chạy `chiso migrate`, rồi `chiso restore`. "
            "Các bảng đã có dữ liệu:"
        )
        raise _fail(intro, full)


def _verify(archive: zipfile.ZipFile, manifest: dict[str, Any], progress: Progress) -> None:
    expected = zipped.members(manifest)
    progress(_("Kiểm tra sha256 của %(n)s thành phần…") % {"n": vn_number(len(expected), 0)})
    problems = zipped.verify(archive, expected)
    if problems:
        intro = _("Tệp sao lưu đã bị thay đổi hoặc hỏng, không khôi phục gì:")
        raise _fail(intro, problems)
    progress(_("  đúng với bảng kê."))


def _check_storages(manifest: dict[str, Any]) -> list[StoredFile]:
    """Where each file goes; a file already in a storage must hold the same bytes."""
    stored, problems = [], []
    for entry in manifest["files"]:
        if not zipped.safe_name(entry["name"]):
            problems.append(_("%(n)s: tên tệp không hợp lệ") % {"n": entry["name"]})
            continue
        try:
            target = StoredFile(entry, _storages_of(entry["used_by"]))
        except (LookupError, FieldDoesNotExist, TypeError):
            problems.append(_("%(n)s: thuộc trường tệp không có ở đây") % {"n": entry["name"]})
            continue
        for storage in target.storages:
            if not storage.exists(entry["name"]):
                continue
            if _sha256(storage, entry["name"]) == entry["sha256"]:
                target.present.append(storage)
            else:
                problems.append(
                    _("%(n)s đã có trong kho tệp với nội dung khác") % {"n": entry["name"]}
                )
        stored.append(target)
    if problems:
        raise _fail(_("Kho tệp đích đã có tệp trùng tên, không khôi phục gì:"), problems)
    return stored


def _storages_of(used_by: list[str]) -> list[Storage]:
    """The distinct storages of the file fields that name a file."""
    found: list[Storage] = []
    for holder in used_by:
        storage = field_of(holder).storage
        if all(storage is not other for other in found):
            found.append(storage)
    return found


def _sha256(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stream:
        for chunk in iter(lambda: stream.read(zipped.CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- writing ---------------------------------------------------------------------------------


def _write(
    archive: zipfile.ZipFile,
    connection: BaseDatabaseWrapper,
    tables: list[Table],
    stored: list[StoredFile],
    progress: Progress,
) -> None:
    written: list[tuple[Storage, str]] = []
    try:
        with transaction.atomic(using=connection.alias):
            _clear_seeded(connection, tables)
            for table in tables:
                _load(archive, connection, table, progress)
            _put_back_counters(archive, connection, tables)
            _reset_sequences(connection, [t.model for t in tables])
            _put_files(archive, stored, written, progress)
    except DatabaseError as exc:
        _remove(written)
        raise BackupError(
            _("Không ghi được dữ liệu vào cơ sở dữ liệu (%(e)s); không khôi phục gì.") % {"e": exc}
        ) from exc
    except BaseException:
        _remove(written)
        raise


def _clear_seeded(connection: BaseDatabaseWrapper, tables: list[Table]) -> None:
    """Drop what `migrate` created (content types, permissions) for the backup's own rows."""
    restored = {t.model._meta.label_lower for t in tables}
    for label in SEEDED:
        if label in restored:
            apps.get_model(label)._base_manager.using(connection.alias).all()._raw_delete(
                connection.alias
            )


def _load(
    archive: zipfile.ZipFile, connection: BaseDatabaseWrapper, table: Table, progress: Progress
) -> None:
    """Write the table's rows as stored (raw: no field computes its value on the way)."""
    convert = decoders(table.fields)
    write = _copy if connection.vendor == "postgresql" else _insert
    with archive.open(table.entry["member"]) as stream:
        count = write(connection, table, (decode(line, convert) for line in stream))
    if count != table.entry["rows"]:
        raise BackupError(
            _("Bảng %(t)s: đọc được %(n)s dòng, bảng kê ghi %(m)s.")
            % {"t": table.entry["model"], "n": count, "m": table.entry["rows"]}
        )
    progress(_("  %(t)s: %(n)s dòng") % {"t": table.entry["model"], "n": vn_number(count, 0)})


# Columns the database's own triggers move when another table is written (loading the entries
# bumps each assessment's inputs_seq): put back as backed up once every table is loaded.
TRIGGER_KEPT = {"collection.assessment": ("inputs_seq",)}


def _put_back_counters(
    archive: zipfile.ZipFile, connection: BaseDatabaseWrapper, tables: list[Table]
) -> None:
    for table in tables:
        kept = TRIGGER_KEPT.get(table.model._meta.label_lower)
        if not kept:
            continue
        names = [f.attname for f in table.fields]
        pk = names.index(str(table.model._meta.pk.attname))
        at = [names.index(name) for name in kept]
        convert = decoders(table.fields)
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(name)} = %s" for name in kept)
        sql = (
            f"UPDATE {quote(table.model._meta.db_table)} SET {assignments} "
            f"WHERE {quote(str(table.model._meta.pk.column))} = %s"
        )
        with archive.open(table.entry["member"]) as stream:
            values = [
                [row[i] for i in at] + [row[pk]]
                for row in (decode(line, convert) for line in stream)
            ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, values)


def _insert(connection: BaseDatabaseWrapper, table: Table, rows: Iterator[list[Any]]) -> int:
    """Batched multi-row INSERTs through Django's raw insert (what loaddata uses)."""
    attnames = [f.attname for f in table.fields]
    size = _batch_size(connection, table.fields)
    manager = cast(Any, table.model._base_manager.using(connection.alias))
    count = 0
    for batch in _batches(rows, size):
        objs = [SimpleNamespace(**dict(zip(attnames, values, strict=True))) for values in batch]
        manager._insert(objs, fields=table.fields, raw=True, using=connection.alias)
        count += len(objs)
    return count


def _copy(connection: BaseDatabaseWrapper, table: Table, rows: Iterator[list[Any]]) -> int:
    """PostgreSQL's COPY: a few times faster than INSERTs for the millions of rows of a
    national instance. Values are prepared by each field, as an INSERT would."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in table.fields)
    sql = f"COPY {quote(table.model._meta.db_table)} ({names}) FROM STDIN"
    prepare = [None if plain_sql(f) else f.get_db_prep_save for f in table.fields]
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for values in rows:
            copy.write_row(
                [
                    v if p is None or v is None else p(v, connection)
                    for p, v in zip(prepare, values, strict=True)
                ]
            )
            count += 1
    return count


def _batches(rows: Iterator[list[Any]], size: int) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for values in rows:
        batch.append(values)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _batch_size(connection: BaseDatabaseWrapper, fields: list[models.Field[Any, Any]]) -> int:
    allowed = connection.ops.bulk_batch_size(fields, [None] * MAX_BATCH)
    return max(1, min(MAX_BATCH, allowed))


def _reset_sequences(connection: BaseDatabaseWrapper, restored: list[type[models.Model]]) -> None:
    """Move each id sequence past the restored ids (PostgreSQL; SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), restored)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _put_files(
    archive: zipfile.ZipFile,
    stored: list[StoredFile],
    written: list[tuple[Storage, str]],
    progress: Progress,
) -> None:
    """Save each file through its storage, then read it back against the manifest."""
    for target in stored:
        name = target.entry["name"]
        for storage in target.storages:
            if any(storage is p for p in target.present):
                continue
            _put(archive, target.entry, storage, written)
            if _sha256(storage, name) != target.entry["sha256"]:
                raise BackupError(_("Tệp %(n)s ghi ra khác bản sao lưu.") % {"n": name})
    progress(_("  tệp: %(n)s") % {"n": vn_number(len(stored), 0)})


def _put(
    archive: zipfile.ZipFile,
    entry: dict[str, Any],
    storage: Storage,
    written: list[tuple[Storage, str]],
) -> None:
    name = entry["name"]
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as staged:
        with archive.open(entry["member"]) as source:
            for chunk in iter(lambda: source.read(zipped.CHUNK), b""):
                staged.write(chunk)
        staged.seek(0)
        saved = storage.save(name, File(staged, name=name))
    written.append((storage, saved))
    if saved != name:
        raise BackupError(_("Kho tệp lưu %(n)s dưới tên khác (%(s)s).") % {"n": name, "s": saved})


def _remove(written: list[tuple[Storage, str]]) -> None:
    for storage, name in written:
        storage.delete(name)
