"""Reading files: encodings, .docx paragraphs and tables, .pdf text layer, unknown types."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import docx
import pytest

from chiso.plans.extraction import ExtractionError, extract_file
from chiso.plans.extraction.reader import read_document

SENTENCE = "Sở Y tế triển khai sổ sức khỏe điện tử, hoàn thành trước ngày 30/6/2024."


def _cp1258(text: str) -> bytes:
    """CP1258 keeps tone marks as separate combining characters after the base letter."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258"])
def test_it_reads_text_files_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "doc.txt"
    data = _cp1258(SENTENCE) if encoding == "cp1258" else SENTENCE.encode(encoding)
    path.write_bytes(data)
    assert unicodedata.normalize("NFC", read_document(path)) == SENTENCE
    assert extract_file(path)["tasks"][0]["lead"] == "Sở Y tế"


def test_it_reads_docx_paragraphs_and_table_cells_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Sở Tài chính:")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Sở Y tế"
    table.rows[0].cells[1].text = "Xây dựng kho dữ liệu y tế."
    document.add_paragraph(SENTENCE)
    path = tmp_path / "doc.docx"
    document.save(str(path))
    assert read_document(path).splitlines() == [
        "Sở Tài chính:",
        "Sở Y tế",
        "Xây dựng kho dữ liệu y tế.",
        SENTENCE,
    ]
    assert extract_file(path)["tasks"][-1]["deadline"] == "2024-06-30"


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with a Helvetica text layer, written by hand (no extra dependency)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_it_reads_the_text_layer_of_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(_minimal_pdf("Hoan thanh truoc ngay 30/6/2024."))
    assert "Hoan thanh truoc ngay 30/6/2024." in read_document(path)


def test_an_unknown_extension_is_refused_in_vietnamese(tmp_path: Path) -> None:
    path = tmp_path / "doc.xlsx"
    path.write_bytes(b"data")
    with pytest.raises(ExtractionError, match="chỉ hỗ trợ"):
        read_document(path)


def test_a_missing_file_raises_extraction_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError, match="Không tìm thấy"):
        read_document(tmp_path / "absent.txt")


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_a_corrupt_file_raises_extraction_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(b"\x00\x01 not a real document")
    with pytest.raises(ExtractionError, match="bị hỏng"):
        read_document(path)
