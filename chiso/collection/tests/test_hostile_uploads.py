"""Hostile evidence files through the real web form and the real API endpoint: each one is
refused with a Vietnamese message naming the file, and nothing is stored — no row, no file,
nothing anywhere under the temporary folder that holds MEDIA_ROOT. Files that are accepted
land under MEDIA_ROOT with a random name, and are served as attachments with the type found
from their bytes and nosniff."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chiso.accounts.models import AuditEvent
from chiso.collection.models import Evidence
from chiso.collection.tests.test_workflow import Cast
from chiso.lib.testing import ledger
from chiso.lib.tests import hostile


@pytest.fixture
def cast(db: None, tmp_path: Path, settings: Any) -> Cast:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    (tmp_path / "framework").mkdir()
    return Cast(tmp_path / "framework")


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def web_upload(cast: Cast, content: bytes, name: str) -> str:
    client = Client()
    client.force_login(cast.reporter)
    entry = cast.assessment.entries.get(indicator__code="1.2")
    url = reverse("collection:add_evidence", args=[cast.assessment.pk, entry.pk])
    data = {"kind": "file", "file": SimpleUploadedFile(name, content), "title": ""}
    return html.unescape(client.post(url, data, follow=True).content.decode())


def api_upload(cast: Cast, content: bytes, name: str) -> Any:
    client = Client()
    client.force_login(cast.reporter)  # the API takes the browser's session too
    url = f"/api/assessments/{cast.assessment.pk}/evidence/files"
    return client.post(url, {"file": SimpleUploadedFile(name, content), "entries": "1.2"})


HOSTILE = [
    ("zip bomb", hostile.bomb(120, "word/document.xml"), "bao-cao.docx", "bom nén"),
    ("zip with lying sizes", hostile.lying(), "so-lieu.xlsx", "không đúng kích thước đã khai"),
    ("xlsx with macros", hostile.xlsm(), "so-lieu.xlsx", "có macro"),
    ("xlsx with macros", hostile.macro_type_only(), "so-lieu.xlsx", "có macro"),
    (
        "xlsx with external links",
        hostile.external_link(),
        "so-lieu.xlsx",
        "nguồn dữ liệu bên ngoài",
    ),
    ("docx with remote template", hostile.remote_template_docx(), "cv.docx", "bên ngoài"),
    ("content does not match extension", hostile.HTML, "ke-hoach.pdf", "không phải PDF"),
    ("content does not match extension", hostile.SVG, "anh.png", "không phải PDF"),
    ("content does not match extension", hostile.SVG, "anh.svg", "không phải PDF"),
    ("content does not match extension", hostile.EXE, "anh.png", "không phải PDF"),
    ("polyglot", hostile.POLYGLOT, "ke-hoach.pdf", "HTML/SVG/script"),
]


@pytest.mark.parametrize(("attack", "content", "name", "words"), HOSTILE)
def test_a_hostile_file_is_refused_through_the_web_form_and_nothing_is_stored(
    cast: Cast, tmp_path: Path, attack: str, content: bytes, name: str, words: str
) -> None:
    before = (listing(tmp_path), AuditEvent.objects.count())
    page = web_upload(cast, content, name)
    assert words in page and f"“{name}”" in page
    assert not Evidence.objects.exists()
    assert (listing(tmp_path), AuditEvent.objects.count()) == before
    ledger.attack(f"hostile file: {attack}", 1)


@pytest.mark.parametrize(("attack", "content", "name", "words"), HOSTILE[:3] + HOSTILE[6:8])
def test_a_hostile_file_is_refused_through_the_api_and_nothing_is_stored(
    cast: Cast, tmp_path: Path, attack: str, content: bytes, name: str, words: str
) -> None:
    before = listing(tmp_path)
    response = api_upload(cast, content, name)
    assert response.status_code == 422, response.content
    assert words in response.json()["message"] + " ".join(map(str, response.json()["details"]))
    assert not Evidence.objects.exists() and listing(tmp_path) == before
    ledger.attack(f"hostile file: {attack}", 1)


def test_a_file_larger_than_the_upload_cap_is_dropped_while_received_and_named_too_large(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    settings.CHISO_UPLOAD_MAX_MB = settings.CHISO_EVIDENCE_MAX_MB = 1
    before = listing(tmp_path)
    page = web_upload(cast, hostile.PDF + b"0" * (3 << 20), "lon.pdf")
    assert "Tệp “lon.pdf” quá lớn (3 MB); tối đa 1 MB." in page
    assert not Evidence.objects.exists() and listing(tmp_path) == before
    ledger.attack("hostile file: oversized upload", 1)


TRAVERSAL = [
    ("../../../../etc/passwd.pdf", "passwd.pdf"),
    ("/etc/cron.d/x.pdf", "x.pdf"),
    ("..\\..\\Windows\\System32\\x.pdf", "x.pdf"),
    ("C:\\boot.pdf", "boot.pdf"),
    ("CON.pdf", "_CON.pdf"),
    ("ke\u202eh\u200boach\x07.pdf", "kehoach.pdf"),
    ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
]


@pytest.mark.parametrize(("name", "shown"), TRAVERSAL)
def test_a_name_with_a_path_or_tricks_is_display_text_and_the_file_lands_under_media_root(
    cast: Cast, tmp_path: Path, name: str, shown: str
) -> None:
    response = api_upload(cast, hostile.PDF, name)
    assert response.status_code == 201, response.content
    item = Evidence.objects.get()
    assert item.original_name == shown
    media = (tmp_path / "media").resolve()
    stored = Path(item.file.path).resolve()
    assert stored.is_relative_to(media) and stored.stem != Path(shown).stem
    outside = {p for p in listing(tmp_path) if not p.startswith(("media/", "framework/"))}
    assert outside == set() and listing(media) == {str(stored.relative_to(media))}
    ledger.attack("hostile file: name with traversal or control characters", 1)


def test_accepted_files_are_served_as_attachments_with_their_true_type_and_nosniff(
    cast: Cast,
) -> None:
    assert api_upload(cast, hostile.PDF, "scan.png").status_code == 201
    item = Evidence.objects.get()
    assert (item.content_type, item.original_name) == ("application/pdf", "scan.png.pdf")
    client = Client()
    client.force_login(cast.reporter)
    for url in (
        f"/api/evidence/{item.pk}/download",
        reverse("collection:evidence", args=[item.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "scan.png.pdf" in response["Content-Disposition"]


def test_an_nfd_title_with_invisible_characters_arrives_as_nfc_text(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.reporter)
    url = f"/api/assessments/{cast.assessment.pk}/evidence/files"
    title = "Ke\u0302\u0301 hoa\u0323ch\u200b 2025\u202e"
    upload = SimpleUploadedFile("Ke\u0302\u0301 hoa\u0323ch.pdf", hostile.PDF)
    assert client.post(url, {"file": upload, "title": title}).status_code == 201
    item = Evidence.objects.get()
    assert (item.title, item.original_name) == ("Kế hoạch 2025", "Kế hoạch.pdf")
    ledger.attack("unicode trick: NFD or invisible characters", 1)
