"""Reading .txt, .docx and .pdf files into plain text. python-docx and pypdf stay here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

# pypdf caps what one stream may inflate to; this caps the pages of a hostile file.
MAX_PDF_PAGES = 1000


class ExtractionError(Exception):
    """A document could not be read; the message is Vietnamese, for the reviewer."""


def read_document(path: str | Path) -> str:
    """Text of a .txt (UTF-8, UTF-8 with BOM, or CP1258), .docx or .pdf file.

    Raises ExtractionError for an unknown extension, a missing file or a broken file."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ExtractionError(
            f"Không đọc được tệp “{path.name}”: chỉ hỗ trợ định dạng .txt, .docx và .pdf."
        )
    try:
        return reader(path)
    except ExtractionError:
        raise
    except FileNotFoundError as exc:
        raise ExtractionError(f"Không tìm thấy tệp “{path.name}”.") from exc
    except Exception as exc:
        raise ExtractionError(f"Tệp “{path.name}” bị hỏng hoặc không đọc được: {exc}") from exc


def _read_txt(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "utf-8"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1258", errors="replace")


def _read_docx(path: Path) -> str:
    import docx  # local: only this reader needs python-docx

    document = docx.Document(str(path))
    return "\n".join(_docx_blocks(document))


def _docx_blocks(document: Any) -> Iterator[str]:
    """Paragraphs and table cells in body order (tables often hold the assignments)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document).text
        elif tag == "tbl":
            for row in Table(child, document).rows:
                for cell in row.cells:
                    yield cell.text


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader  # local: only this reader needs pypdf

    reader = PdfReader(str(path))
    if len(reader.pages) > MAX_PDF_PAGES:  # a directive has tens of pages, not thousands
        raise ExtractionError(
            f"Tệp “{path.name}” có {len(reader.pages)} trang, quá {MAX_PDF_PAGES} trang "
            "đọc được; hãy tách phần văn bản cần trích xuất."
        )
    return "\n".join(page.extract_text() or "" for page in reader.pages)


_READERS = {".txt": _read_txt, ".docx": _read_docx, ".pdf": _read_pdf}
