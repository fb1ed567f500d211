"""Hostile files: the checks every uploaded or imported file passes before anything parses it.

One place for what docs/security-files.md describes:

- sizes: `LimitedUploadHandler` stops keeping an upload's bytes once it passes
  CHISO_UPLOAD_MAX_MB (the view then sees the real size and says "too large"); the features'
  own caps (evidence, imports) are checked on that size before a byte is read into memory;
- zip archives (.xlsx, .docx, .odt…): the central directory is read first, before any parser
  sees the file: number of members, declared total uncompressed size, compression ratio,
  encrypted members, unknown compression methods, archives or programs nested inside; then
  every member is inflated once, counting, to prove the declared sizes are true (a reader that
  trusts a lying header could otherwise inflate without bound);
- Office files: macros (vbaProject.bin, macro-enabled content types, ActiveX), links to
  external workbooks and data connections, remote templates are refused;
- content against name: a file's kind is read from its bytes (HTML or an .exe named .pdf is
  refused by its caller), the name shown and offered for download gets the true extension
  (`named_for`), and markup in the head of a PDF or image (a polyglot a browser might sniff
  as HTML) is refused;
- names: `display_name` turns what the uploader sent into display text (no path, no control
  or invisible characters, no reserved device names, at most 255 characters); the stored name
  is always `stored_name` — random, with an extension chosen from the detected kind;
- YAML: `load_yaml` refuses anchors and aliases (the "billion laughs" expansion).

Every refusal is `UnsafeFile`, whose message (Vietnamese, through gettext) names the file
and the part of it that was refused. Callers turn it into their own error type.
"""

from __future__ import annotations

import io
import re
import struct
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import yaml
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

from chiso.lib.unicode_safety import clean_line

MB = 1024 * 1024
DEFAULTS = {
    "CHISO_UPLOAD_MAX_MB": 25,
    "CHISO_IMPORT_MAX_MB": 5,
    "CHISO_ZIP_MAX_MB": 100,
    "CHISO_ZIP_MAX_RATIO": 200,
    "CHISO_ZIP_MAX_MEMBERS": 2000,
}
RATIO_FLOOR = MB  # members smaller than this may compress as well as they like
NESTED_ARCHIVES = (".zip", ".7z", ".rar", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".cab", ".jar")
OFFICE_INSIDE = (".xlsx", ".xlsm", ".docx", ".docm", ".pptx", ".pptm", ".odt", ".ods")
PROGRAMS = (
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js",
    ".jse", ".wsf", ".hta", ".sh", ".class", ".lnk",
)  # fmt: skip
# Relationship types that make Office fetch something from elsewhere when the file opens.
REMOTE_RELATIONS = re.compile(
    rb'Type="[^"]*/(attachedTemplate|oleObject|externalLinkPath|externalLink|frame|'
    rb'subDocument|package)"[^>]*TargetMode="External"|TargetMode="External"[^>]*Type="[^"]*/'
    rb'(attachedTemplate|oleObject|externalLinkPath|externalLink|frame|subDocument|package)"',
    re.I,
)
MACRO_TYPES = re.compile(rb"macroEnabled|vbaProject|ms-office\.activeX|vbaData", re.I)
MARKUP = re.compile(rb"<(!doctype|html|head|body|script|svg|iframe|object|embed)[\s>/]", re.I)
_MAIN_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
EXTENSIONS = {
    "pdf": ("pdf",),
    "png": ("png",),
    "jpg": ("jpg", "jpeg", "jpe", "jfif"),
    "docx": ("docx",),
    "xlsx": ("xlsx",),
    "odt": ("odt",),
    "ods": ("ods",),
}
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10))}
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')


class UnsafeFile(ValueError):
    """A file refused before parsing; `str()` is the Vietnamese message for the user."""


def limit(name: str) -> int:
    """A configured limit (see DEFAULTS; the *_MB ones in bytes)."""
    value = int(getattr(settings, name, DEFAULTS[name]))
    return value * MB if name.endswith("_MB") else value


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",").removesuffix(",0")


# --- names ---------------------------------------------------------------------------------


def display_name(name: str, default: str = "tep") -> str:
    """What the uploader called the file, safe to show and to offer as a download name:
    no folders ("../../etc/passwd" → "passwd", "C:\\x\\a.pdf" → "a.pdf"), no control or
    invisible characters, NFC, no reserved device name ("CON.pdf" → "_CON.pdf"), ≤ 255
    characters with the extension kept."""
    text = clean_line(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE_NAME_CHARS.sub("_", re.sub(r"^[A-Za-z]:", "", text)).strip(" .")
    if text.split(".", 1)[0].upper() in RESERVED:
        text = f"_{text}"
    if len(text) > 255:
        _stem, dot, ext = text.rpartition(".")
        ext = ext if dot and len(ext) <= 16 else ""
        text = f"{text[: 254 - len(ext)]}.{ext}" if ext else text[:255]
    return text or default


def stored_name(extension: str) -> str:
    """A fresh random file name with one of our known extensions: nothing the uploader chose
    ever becomes part of a path under the storage root."""
    if not re.fullmatch(r"[a-z0-9]{1,8}", extension):
        raise ValueError(f"not a stored extension: {extension!r}")
    return f"{uuid.uuid4().hex}.{extension}"


def named_for(name: str, kind: str) -> str:
    """`name` with an extension that tells the truth about its bytes: "scan.docx" that is a
    PDF becomes "scan.docx.pdf", so whoever downloads it opens it with the right program."""
    shown = display_name(name)
    known = EXTENSIONS.get(kind, (kind,))
    if PurePosixPath(shown).suffix.lower().lstrip(".") in known:
        return shown
    return display_name(f"{shown}.{known[0]}")


def check_no_markup(stream: IO[bytes], name: str, label: str) -> None:
    """Refuse a PDF or image whose first kilobyte also holds HTML/SVG/script (a polyglot)."""
    stream.seek(0)
    head = stream.read(1024)
    stream.seek(0)
    if MARKUP.search(head):
        raise UnsafeFile(
            _(
                "Tệp “%(n)s” bị từ chối: ngoài nội dung %(k)s, phần đầu tệp còn chứa mã "
                "HTML/SVG/script (tệp “đa định dạng”)."
            )
            % {"n": display_name(name), "k": label}
        )


def check_size(size: int | None, name: str, maximum: int) -> None:
    """Refuse a file larger than `maximum` bytes, before it is read."""
    if size is not None and size > maximum:
        raise UnsafeFile(
            _("Tệp “%(n)s” quá lớn (%(s)s MB); tối đa %(m)s MB.")
            % {"n": display_name(name), "s": _mb(size), "m": _mb(maximum)}
        )


# --- zip archives ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipLimits:
    total: int
    ratio: int
    members: int

    @classmethod
    def configured(cls) -> ZipLimits:
        return cls(
            limit("CHISO_ZIP_MAX_MB"), limit("CHISO_ZIP_MAX_RATIO"), limit("CHISO_ZIP_MAX_MEMBERS")
        )


def check_zip(stream: IO[bytes], name: str, *, embeddings: bool = False) -> set[str]:
    """Inspect a zip archive before anything parses it; return its member names.

    `embeddings`: allow Office documents nested under */embeddings/ (a chart's workbook in
    a Word file), which chiso stores but never opens. Raises UnsafeFile."""
    shown = display_name(name)
    limits = ZipLimits.configured()
    if _declared_count(stream) > limits.members:
        raise UnsafeFile(
            _("Tệp “%(n)s” bị từ chối: có quá nhiều phần bên trong (tối đa %(m)s).")
            % {"n": shown, "m": limits.members}
        )
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeFile(_("Tệp “%(n)s” bị hỏng (không mở được tệp nén).") % {"n": shown}) from exc
    _check_members(infos, shown, limits, embeddings)
    for info in infos:
        _check_true_size(stream, info, shown)
    stream.seek(0)
    return {info.filename for info in infos}


def _declared_count(stream: IO[bytes]) -> int:
    """Members announced by the end-of-central-directory record, read before zipfile builds
    one object per member (a hostile directory can announce hundreds of thousands)."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(max(0, size - 65_557))
    tail = stream.read()
    stream.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return 0  # not a zip at all: zipfile says so with its own error below
    return int(struct.unpack("<H", tail[at + 10 : at + 12])[0])  # 0xFFFF for zip64: too many


def _check_members(
    infos: list[zipfile.ZipInfo], shown: str, limits: ZipLimits, embeddings: bool
) -> None:
    if len(infos) > limits.members:
        raise UnsafeFile(
            _("Tệp “%(n)s” bị từ chối: có %(c)s phần bên trong, tối đa %(m)s.")
            % {"n": shown, "c": len(infos), "m": limits.members}
        )
    total = 0
    for info in infos:
        _check_member(info, shown, limits, embeddings)
        total += info.file_size
        if total > limits.total:
            raise UnsafeFile(
                _(
                    "Tệp “%(n)s” bị từ chối: giải nén ra hơn %(m)s MB (có thể là “bom nén”); "
                    "tệp thật hiếm khi lớn như vậy."
                )
                % {"n": shown, "m": _mb(limits.total)}
            )


def _check_member(info: zipfile.ZipInfo, shown: str, limits: ZipLimits, embeddings: bool) -> None:
    member = info.filename
    values = {"n": shown, "p": member}
    if info.flag_bits & 0x1:
        raise UnsafeFile(_("Tệp “%(n)s” bị từ chối: phần “%(p)s” được mã hoá.") % values)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnsafeFile(_("Tệp “%(n)s” bị từ chối: phần “%(p)s” nén theo kiểu lạ.") % values)
    lower = member.lower()
    if lower.endswith(PROGRAMS):
        raise UnsafeFile(_("Tệp “%(n)s” bị từ chối: chứa chương trình “%(p)s”.") % values)
    nested_office = lower.endswith(OFFICE_INSIDE) and not (embeddings and "/embeddings/" in lower)
    if lower.endswith(NESTED_ARCHIVES) or nested_office:
        raise UnsafeFile(
            _("Tệp “%(n)s” bị từ chối: chứa tệp nén lồng bên trong (“%(p)s”).") % values
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and ratio > limits.ratio:
        raise UnsafeFile(
            _(
                "Tệp “%(n)s” bị từ chối: phần “%(p)s” nén %(r)s lần, vượt mức cho phép %(m)s "
                "lần (có thể là “bom nén”)."
            )
            % {**values, "r": int(ratio), "m": limits.ratio}
        )


def _check_true_size(stream: IO[bytes], info: zipfile.ZipInfo, shown: str) -> None:
    """Inflate the member once, counting, and stop as soon as it passes its declared size."""
    stream.seek(info.header_offset)
    header = stream.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _lying(shown, info)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    stream.seek(info.header_offset + 30 + name_length + extra_length)
    if info.compress_type == zipfile.ZIP_STORED:
        found = len(stream.read(info.compress_size))
        if found != info.compress_size or info.file_size != info.compress_size:
            raise _lying(shown, info)
        return
    if _inflated_size(stream, info.compress_size, info.file_size) != info.file_size:
        raise _lying(shown, info)


def _inflated_size(stream: IO[bytes], compressed: int, declared: int) -> int:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out, left = 0, compressed
    try:
        while left > 0 and out <= declared:
            chunk = stream.read(min(1 << 16, left))
            if not chunk:
                break
            left -= len(chunk)
            out += len(inflater.decompress(chunk, 1 << 20))
            while inflater.unconsumed_tail and out <= declared:
                out += len(inflater.decompress(inflater.unconsumed_tail, 1 << 20))
        return out + (len(inflater.flush()) if out <= declared else 0)
    except zlib.error:
        return -1


def _lying(shown: str, info: zipfile.ZipInfo) -> UnsafeFile:
    return UnsafeFile(
        _(
            "Tệp “%(n)s” bị từ chối: phần “%(p)s” không đúng kích thước đã khai (tệp hỏng hoặc "
            "cố ý đánh lừa)."
        )
        % {"n": shown, "p": info.filename}
    )


# --- Office files ----------------------------------------------------------------------------


def check_office(stream: IO[bytes], name: str, kind: str, *, embeddings: bool = False) -> None:
    """A .xlsx/.docx/.odt/.ods that is safe to store or parse: a sound zip (`check_zip`), the
    main part of its kind, no macros, no ActiveX, no links that fetch from elsewhere."""
    names = check_zip(stream, name, embeddings=embeddings)
    shown = display_name(name)
    main = _MAIN_PART.get(kind)
    if main is not None and ("[Content_Types].xml" not in names or main not in names):
        raise UnsafeFile(
            _("Tệp “%(n)s” không phải tệp %(k)s hợp lệ.") % {"n": shown, "k": kind.upper()}
        )
    _check_macros(stream, names, shown)
    _check_remote(stream, names, shown, kind)


def _read_member(stream: IO[bytes], member: str) -> bytes:
    # Sizes were proved by check_zip; a content-types or .rels part is a few kilobytes.
    with zipfile.ZipFile(stream) as archive:
        data = archive.read(member)
    stream.seek(0)
    return data


def _check_macros(stream: IO[bytes], names: set[str], shown: str) -> None:
    for member in sorted(names):
        lower = member.lower()
        macro = lower.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in f"/{lower}"
        if macro or lower.startswith(("basic/", "scripts/")):
            raise _macro(shown, member)
    if "[Content_Types].xml" in names:
        found = MACRO_TYPES.search(_read_member(stream, "[Content_Types].xml"))
        if found:
            raise _macro(shown, found.group(0).decode())


def _macro(shown: str, where: str) -> UnsafeFile:
    return UnsafeFile(
        _(
            "Tệp “%(n)s” bị từ chối: có macro hoặc mã chạy được (“%(p)s”). Hãy lưu lại thành "
            "tệp .xlsx/.docx thường (không macro) rồi tải lên."
        )
        % {"n": shown, "p": where}
    )


def _check_remote(stream: IO[bytes], names: set[str], shown: str, kind: str) -> None:
    for member in sorted(names):
        lower = member.lower()
        linked = lower.startswith(("xl/externallinks/", "xl/querytables/"))
        linked = linked or lower == "xl/connections.xml"
        if not linked and lower.endswith(".rels"):
            linked = bool(REMOTE_RELATIONS.search(_read_member(stream, member)))
        if linked:
            raise UnsafeFile(
                _(
                    "Tệp “%(n)s” bị từ chối: có liên kết tới tệp hoặc nguồn dữ liệu bên ngoài "
                    "(“%(p)s”). Hãy bỏ liên kết (Excel: Dữ liệu → Sửa liên kết → Ngắt liên kết) "
                    "rồi tải lại."
                )
                % {"n": shown, "p": member}
            )


def check_workbook(stream: IO[bytes], name: str) -> None:
    """A workbook chiso will parse (template upload, tracking sheet): a plain .xlsx only."""
    suffix = PurePosixPath(display_name(name)).suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlsb", ".xls"):
        raise UnsafeFile(
            _("Tệp “%(n)s” là định dạng %(s)s; chỉ nhận sổ tính Excel thường (.xlsx, không macro).")
            % {"n": display_name(name), "s": suffix}
        )
    check_office(stream, name, "xlsx")


def check_workbook_bytes(data: bytes, name: str) -> None:
    check_workbook(io.BytesIO(data), name)


def check_file_path(path: Path, maximum: int | None = None) -> None:
    """A file named on the command line: not larger than CHISO_IMPORT_MAX_MB (or `maximum`)."""
    check_size(path.stat().st_size, path.name, maximum or limit("CHISO_IMPORT_MAX_MB"))


def check_document(stream: IO[bytes], name: str) -> None:
    """A directive to extract (.txt, .docx, .pdf): its bytes must be what its name says."""
    suffix = PurePosixPath(display_name(name)).suffix.lower()
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if suffix == ".docx":
        check_office(stream, name, "docx")
    elif suffix == ".pdf":
        if not head.lstrip(b"\r\n\t \x00").startswith(b"%PDF-"):
            raise _not_what_it_says(name, "PDF")
        check_no_markup(stream, name, "PDF")
    elif suffix == ".txt" and (b"\x00" in head or head.startswith((b"MZ", b"PK\x03\x04", b"%PDF"))):
        raise _not_what_it_says(name, _("văn bản thuần (.txt)"))


def _not_what_it_says(name: str, label: str) -> UnsafeFile:
    return UnsafeFile(
        _("Tệp “%(n)s” không phải %(k)s như tên tệp cho biết (kiểm tra theo nội dung tệp).")
        % {"n": display_name(name), "k": label}
    )


# --- YAML ------------------------------------------------------------------------------------


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader without anchors/aliases: nine nested aliases of nine items each expand to
    a billion nodes when walked ("billion laughs"). Framework and unit files never need them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML anchors and aliases (*name) are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """`yaml.safe_load` without aliases. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_NoAliasLoader)


# --- receiving uploads -----------------------------------------------------------------------


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: once a file passes CHISO_UPLOAD_MAX_MB its further
    bytes are dropped (neither kept in memory nor written to a temporary file). The view
    receives an empty stand-in that reports the real size, so the feature's own size check
    answers with its usual "too large (N MB)" message and nothing of the file is kept."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        return raw_data if self.received <= limit("CHISO_UPLOAD_MAX_MB") else None

    def file_complete(self, file_size: int) -> UploadedFile[bytes] | None:
        if self.received <= limit("CHISO_UPLOAD_MAX_MB"):
            return None  # the next handler (memory or temporary file) has it all
        return UploadedFile(
            io.BytesIO(b""), self.file_name, self.content_type, self.received, self.charset
        )
