"""The archive: one zip file with `manifest.json`, `db/<app>.<model>.jsonl` and `files/…`.

Zip rather than tar: members of unknown length (a table being streamed) are written
straight into it without a temporary copy, and a restore can read any member again (once to
verify, once to load) without unpacking. Every member's sha256 and size are in the manifest;
nothing is written to the database or the file storage before all of them match.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.utils.translation import gettext as _

FORMAT = "chiso-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REQUIRED = ("format_version", "created_at", "database", "migrations", "tables", "files")
CHUNK = 1 << 20
# Zip errors a damaged member raises while it is read (bad CRC, broken deflate stream …).
DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message (Vietnamese) says why and where.
    Nothing has been written when it is raised by a restore."""


@dataclass
class Member:
    """What the manifest records of one member."""

    name: str
    sha256: str
    size: int


class HashingWriter:
    """Writes to a zip member and counts the bytes and their sha256 on the way."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.target.write(data)
        self.digest.update(data)
        self.size += len(data)

    def member(self, name: str) -> Member:
        return Member(name, self.digest.hexdigest(), self.size)


def write_lines(archive: zipfile.ZipFile, name: str, lines: Iterable[bytes]) -> Member:
    """A member made of `lines`, streamed (deflated), buffered in ~1 MB writes."""
    with archive.open(name, "w", force_zip64=True) as raw:
        out = HashingWriter(raw)
        buffer: list[bytes] = []
        pending = 0
        for line in lines:
            buffer.append(line)
            pending += len(line)
            if pending >= CHUNK:
                out.write(b"".join(buffer))
                buffer, pending = [], 0
        out.write(b"".join(buffer))
    return out.member(name)


def write_stream(archive: zipfile.ZipFile, name: str, source: IO[bytes]) -> Member:
    """A member copied from `source` (a stored file), kept uncompressed: PDF, Office files
    and images are compressed already."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_STORED
    with archive.open(info, "w", force_zip64=True) as raw:
        out = HashingWriter(raw)
        for chunk in iter(lambda: source.read(CHUNK), b""):
            out.write(chunk)
    return out.member(name)


def write_manifest(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
    archive.writestr(MANIFEST, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)


@contextmanager
def open_archive(path: Path) -> Iterator[zipfile.ZipFile]:
    """The archive for reading; BackupError when it is missing or not a zip file."""
    if not path.is_file():
        raise BackupError(_("Không tìm thấy tệp sao lưu %(p)s.") % {"p": path})
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(
            _("Tệp %(p)s không phải tệp sao lưu của chiso hoặc đã hỏng (%(e)s).")
            % {"p": path, "e": exc}
        ) from exc
    with archive:
        yield archive


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest, checked for format and version; BackupError otherwise."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (*DAMAGE, json.JSONDecodeError) as exc:
        raise BackupError(
            _("Tệp sao lưu không có bảng kê %(m)s đọc được (%(e)s).") % {"m": MANIFEST, "e": exc}
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("Tệp này không phải bản sao lưu của chiso."))
    missing = [key for key in REQUIRED if key not in manifest]
    if missing:
        raise BackupError(_("Bảng kê thiếu mục: %(k)s.") % {"k": ", ".join(missing)})
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("Bản sao lưu theo định dạng phiên bản %(v)s; bản chiso này đọc phiên bản %(w)s.")
            % {"v": manifest.get("format_version"), "w": FORMAT_VERSION}
        )
    return manifest


def members(manifest: dict[str, Any]) -> list[Member]:
    """Every member the manifest vouches for: the tables, then the files."""
    found = [Member(t["member"], t["sha256"], t["size"]) for t in manifest["tables"]]
    found += [Member(f["member"], f["sha256"], f["size"]) for f in manifest["files"]]
    return found


def verify(archive: zipfile.ZipFile, expected: list[Member]) -> list[str]:
    """Problems found by reading every member whole: missing, damaged, wrong size or sha256.
    An empty list means the archive is exactly what was backed up."""
    problems = []
    for member in expected:
        problem = _check(archive, member)
        if problem:
            problems.append(problem)
    return problems


def _check(archive: zipfile.ZipFile, member: Member) -> str | None:
    if not safe_name(member.name):
        return _("%(m)s: tên thành phần không hợp lệ.") % {"m": member.name}
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(member.name) as stream:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
    except KeyError:
        return _("%(m)s: thiếu trong tệp sao lưu.") % {"m": member.name}
    except DAMAGE as exc:
        return _("%(m)s: hỏng, không đọc được (%(e)s).") % {"m": member.name, "e": exc}
    if size != member.size or digest.hexdigest() != member.sha256:
        return _("%(m)s: nội dung khác với bảng kê (sha256 %(a)s…, bảng kê ghi %(b)s…).") % {
            "m": member.name,
            "a": digest.hexdigest()[:12],
            "b": str(member.sha256)[:12],
        }
    return None


def safe_name(name: str) -> bool:
    """A relative path without `..`: nothing in an archive may point outside its place."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name
