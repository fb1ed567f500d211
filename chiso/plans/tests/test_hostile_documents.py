"""Hostile directive documents and plan files through the real import page, `chiso extract`,
the attachment form and `chiso load-framework`: refused with a Vietnamese message before a
reader opens them, nothing stored; accepted files land under MEDIA_ROOT with a random name."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from chiso.frameworks.models import Framework
from chiso.lib.testing import ledger
from chiso.lib.tests import hostile
from chiso.plans.import_views import SESSION_KEY
from chiso.plans.models import Attachment, Document

DOCX_MACRO = hostile.office("word/document.xml", {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
DOCUMENTS = [
    ("zip bomb", hostile.bomb(120, "word/document.xml"), "chi-thi.docx", "bom nén"),
    ("xlsx with macros", DOCX_MACRO, "chi-thi.docx", "có macro"),
    ("docx with remote template", hostile.remote_template_docx(), "chi-thi.docx", "bên ngoài"),
    ("content does not match extension", hostile.HTML, "chi-thi.pdf", "không phải PDF"),
    ("content does not match extension", hostile.EXE, "chi-thi.txt", "văn bản thuần"),
    ("polyglot", hostile.POLYGLOT, "chi-thi.pdf", "HTML/SVG/script"),
]


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("attack", "content", "name", "words"), DOCUMENTS)
@pytest.mark.django_db
def test_a_hostile_directive_is_refused_on_the_import_page_and_nothing_is_kept(
    admin_user: User, attack: str, content: bytes, name: str, words: str
) -> None:
    client = client_of(admin_user)
    upload = SimpleUploadedFile(name, content)
    response = client.post(reverse("plans:import_start"), {"file": upload})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and words in page and f"“{name}”" in page
    assert SESSION_KEY not in client.session and not Document.objects.exists()
    ledger.attack(f"hostile file: {attack}", 1)


@pytest.mark.parametrize(("attack", "content", "name", "words"), DOCUMENTS[:4])
def test_a_hostile_directive_is_refused_by_chiso_extract(
    tmp_path: Path, attack: str, content: bytes, name: str, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=words):
        call_command("extract", str(path))
    ledger.attack(f"hostile file: {attack}", 1)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.mark.django_db
def test_an_attachment_named_with_a_path_is_stored_under_a_random_name_in_media_root(
    admin_user: User, directive: Document, media: Path
) -> None:
    upload = SimpleUploadedFile("../../../etc/cron.d/CON.pdf", hostile.PDF)
    url = reverse("plans:attachment_upload", args=[directive.pk])
    assert client_of(admin_user).post(url, {"file": upload}).status_code == 302
    found = Attachment.objects.get()
    stored = Path(found.file.path).resolve()
    assert found.name == "_CON.pdf" and "CON" not in stored.name
    assert stored.is_relative_to((media / "media").resolve())
    assert listing(media) == {str(stored.relative_to(media.resolve()))}
    ledger.attack("hostile file: name with traversal or control characters", 1)


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (hostile.xlsm(), "so-lieu.xlsx", "có macro"),
        (hostile.external_link(), "so-lieu.xlsx", "bên ngoài"),
        (hostile.bomb(120, "word/document.xml"), "bao-cao.docx", "bom nén"),
        (hostile.POLYGLOT, "bao-cao.pdf", "HTML/SVG/script"),
    ],
)
@pytest.mark.django_db
def test_a_hostile_attachment_is_refused_and_nothing_is_stored(
    admin_user: User, directive: Document, media: Path, content: bytes, name: str, words: str
) -> None:
    url = reverse("plans:attachment_upload", args=[directive.pk])
    upload = SimpleUploadedFile(name, content)
    page = html.unescape(
        client_of(admin_user).post(url, {"file": upload}, follow=True).content.decode()
    )
    assert words in page
    assert not Attachment.objects.exists() and listing(media) == set()
    ledger.attack("hostile file: plan attachment", 1)


# --- framework files (chiso load-framework) ------------------------------------------------

FRAMEWORK = """code: thu
title: Bộ chỉ số thử
status: example
provenance: Dữ liệu thử nghiệm.
scale: 100
{tree}
"""
TREE = """tree:
  - code: "1"
    name: Trụ cột
    level: main
    max_points: 20
    children:
      - {{level: sub, code: "{a}", name: Một, max_points: 10, rule: {{kind: manual}}}}
      - {{level: sub, code: "{b}", name: Hai, max_points: 10, rule: {{kind: manual}}}}"""


def load(tmp_path: Path, text: str) -> str:
    path = tmp_path / "thu.yaml"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(SystemExit):  # the command prints every problem, then exits 1
        call_command("load_framework", str(path), stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_framework_file_may_not_read_a_csv_outside_its_folder(tmp_path: Path) -> None:
    err = load(tmp_path, FRAMEWORK.format(tree="tree_csv: ../../../../etc/passwd"))
    assert "“tree_csv” phải là tệp trong cùng thư mục" in err
    assert not Framework.objects.exists()
    ledger.attack("hostile file: framework file path traversal", 1)


@pytest.mark.django_db
def test_a_framework_file_with_yaml_aliases_is_refused(tmp_path: Path) -> None:
    laughs = "x: &a [1, 1]\ny: &b [*a, *a]\n"
    err = load(tmp_path, FRAMEWORK.format(tree=TREE.format(a="1.1", b="1.2")) + laughs)
    assert "YAML không hợp lệ" in err and not Framework.objects.exists()
    ledger.attack("hostile file: YAML billion laughs", 1)


@pytest.mark.django_db
def test_indicator_codes_differing_only_by_invisible_characters_are_duplicates(
    tmp_path: Path,
) -> None:
    tree = TREE.format(a="1.1", b="1.1\u200b")
    err = load(tmp_path, FRAMEWORK.format(tree=tree))
    assert "1.1" in err and "trùng" in err.lower()
    assert not Framework.objects.exists()
    ledger.attack("unicode trick: look-alike duplicate code", 1)
