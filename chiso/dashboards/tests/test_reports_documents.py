"""The periodic report (DOCX, PDF) and the workbooks, opened and read back."""

from __future__ import annotations

import datetime as dt
import io
import statistics
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from chiso.dashboards.tests.conftest import person
from chiso.jobs.testing import run_queued_tasks
from chiso.lib.formats import vn_number
from chiso.scoring.models import ScoreSnapshot

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 2, 5)
DEPARTMENTS = "nghean-department-example"


def expected() -> list[str]:
    """Phrases the report must contain, figures computed here from the snapshots."""
    snaps = ScoreSnapshot.objects.filter(
        version__framework__code=DEPARTMENTS, period__code="2025", stage="final"
    ).select_related("unit")
    best = min(snaps, key=lambda s: s.rank or 999)
    return [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN",
        "/BC-UBND",
        "Nghệ An, ngày 05 tháng 02 năm 2026",
        "BÁO CÁO",
        "Kết quả thực hiện chuyển đổi số năm 2025 của tỉnh Nghệ An",
        "52/63",
        "Nghị quyết số 09-NQ/TU",
        f"{snaps.count()} đơn vị được đánh giá",
        f"chỉ số bình quân đạt {vn_number(statistics.fmean(s.index for s in snaps), 4)}",
        best.unit.name,
        "Điểm còn có thể giành",
        "Nơi nhận:",
        "TM. ỦY BAN NHÂN DÂN",
    ]


def make(fmt: str, folder: Path) -> bytes:
    """Through `chiso report`, the verb an operator runs (this app sits below the exports)."""
    out = folder / f"bao-cao.{fmt}"
    day = DAY.strftime("%d/%m/%Y")
    args = ["--province", "nghe-an", "--period", "2025", "--format", fmt, "--date", day]
    call_command("report", *args, "--out", str(out), stdout=io.StringIO())
    return out.read_bytes()


def test_the_docx_reads_back_in_vietnamese_with_the_right_figures(
    demo: None, tmp_path: Path
) -> None:
    doc = Document(io.BytesIO(make("docx", tmp_path)))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    text = "\n".join(parts)
    for phrase in expected():
        assert phrase in text, phrase
    assert doc.sections[0].left_margin is not None and round(doc.sections[0].left_margin.mm) == 30
    assert doc.inline_shapes, "the charts are embedded"


def test_the_pdf_reads_back_and_renders_to_png(demo: None, tmp_path: Path) -> None:
    pdf = tmp_path / "bao-cao.pdf"
    assert make("pdf", tmp_path).startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    flat = " ".join(text.split())
    for phrase in expected():
        assert " ".join(phrase.split()) in flat, phrase
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
    assert "LiberationSerif-Bold" in fonts.stdout
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)


def test_leaders_get_the_report_from_the_worker_and_a_unit_reporter_cannot(
    demo: None, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    leader = Client()
    leader.force_login(person("lanhdao"))  # type: ignore[arg-type]
    queued = leader.post("/reports/periodic/2025.pdf")
    assert queued.status_code == 302 and "/reports/jobs/" in queued["Location"]
    assert "<progress" in leader.get(queued["Location"]).content.decode()
    assert run_queued_tasks() == 1
    done = leader.get(queued["Location"]).content.decode()
    assert "Hoàn thành" in done and "bao-cao-chuyen-doi-so-nghe-an-2025.pdf" in done
    response = leader.get(f"{queued['Location']}download/")
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    assert "bao-cao-chuyen-doi-so-nghe-an-2025.pdf" in response["Content-Disposition"]
    reporter = Client()
    reporter.force_login(person("nghiloc"))  # type: ignore[arg-type]
    assert reporter.post("/reports/periodic/2025.pdf").status_code == 404
    assert reporter.get(f"{queued['Location']}download/").status_code == 404


def test_the_ranking_workbook_is_set_up_for_printing(demo: None) -> None:
    client = Client()
    client.force_login(person("lanhdao"))  # type: ignore[arg-type]
    response = client.get(f"/reports/ranking/{DEPARTMENTS}/2025.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$4:$4"
    top = ScoreSnapshot.objects.get(
        version__framework__code=DEPARTMENTS, period__code="2025", stage="final", rank=1
    )
    assert sheet["B5"].value == top.unit.name and sheet["A5"].value == 1


def test_a_unit_downloads_its_own_scorecard_workbook_only(demo: None) -> None:
    client = Client()
    client.force_login(person("nghiloc"))  # type: ignore[arg-type]
    own = client.get("/reports/scorecard/nghean-commune-example/2025/nghe-an.xa-nghi-loc.xlsx")
    sheet = load_workbook(io.BytesIO(own.content)).active
    assert "XÃ NGHI LỘC" in sheet["A1"].value
    other = f"/reports/scorecard/{DEPARTMENTS}/2025/nghe-an.so-tai-chinh.xlsx"
    assert client.get(other).status_code == 404
