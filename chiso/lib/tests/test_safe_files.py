"""The hostile-file checks on their own: zips, Office files, names, YAML, Unicode.

The same files go through the real web views, API and CLI in the apps' test_hostile_* files."""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml

from chiso.lib import safe_files
from chiso.lib.safe_files import UnsafeFile
from chiso.lib.testing import ledger
from chiso.lib.tests import hostile
from chiso.lib.unicode_safety import clean, clean_line, clean_tree, invisible_in


def refused(data: bytes, name: str = "so-lieu.xlsx", kind: str = "xlsx") -> str:
    with pytest.raises(UnsafeFile) as caught:
        safe_files.check_office(io.BytesIO(data), name, kind)
    return str(caught.value)


def test_a_zip_bomb_is_refused_from_its_central_directory_before_any_parser() -> None:
    data = hostile.bomb(120)
    assert len(data) < 1 << 20  # small on disk, 120 MB inflated
    message = refused(data)
    assert "so-lieu.xlsx" in message and "bom nén" in message
    ledger.attack("hostile file: zip bomb", 1)


def test_the_total_inflated_size_is_capped_even_when_every_member_compresses_modestly(
    settings: Any,
) -> None:
    settings.CHISO_ZIP_MAX_MB = 1
    noisy = bytes((i * 7919) % 251 for i in range(700_000))
    data = hostile.office(extra={"xl/a.xml": noisy, "xl/b.xml": noisy})
    assert "giải nén ra hơn 1 MB" in refused(data)
    ledger.attack("hostile file: oversized xlsx (inflated)", 1)


def test_a_member_claiming_a_small_size_but_inflating_to_more_is_refused() -> None:
    message = refused(hostile.lying())
    assert "xl/worksheets/sheet1.xml" in message and "không đúng kích thước đã khai" in message
    ledger.attack("hostile file: zip with lying sizes", 1)


def test_too_many_members_are_refused_before_zipfile_lists_them(settings: Any) -> None:
    settings.CHISO_ZIP_MAX_MEMBERS = 50
    assert "quá nhiều phần bên trong (tối đa 50)" in refused(hostile.many_members(60))
    ledger.attack("hostile file: zip with too many members", 1)


@pytest.mark.parametrize(
    ("member", "words"),
    [
        ("xl/media/thu.zip", "tệp nén lồng bên trong"),
        ("xl/embeddings/bang.xlsx", "tệp nén lồng bên trong"),
        ("xl/media/chay.exe", "chứa chương trình"),
        ("xl/media/Main.class", "chứa chương trình"),
    ],
)
def test_nested_archives_and_programs_inside_an_office_file_are_refused(
    member: str, words: str
) -> None:
    message = refused(hostile.office(extra={member: b"PK\x03\x04"}))
    assert words in message and member in message
    ledger.attack("hostile file: nested archive or program", 1)


def test_an_office_file_may_embed_a_workbook_where_word_puts_embedded_charts() -> None:
    data = hostile.office("word/document.xml", {"word/embeddings/Chart.xlsx": b"PK"})
    safe_files.check_office(io.BytesIO(data), "bao-cao.docx", "docx", embeddings=True)


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (hostile.xlsm, "có macro"),
        (hostile.macro_type_only, "có macro"),
        (hostile.external_link, "liên kết tới tệp hoặc nguồn dữ liệu bên ngoài"),
    ],
)
def test_macros_disguised_as_xlsx_and_external_links_are_refused(build: Any, words: str) -> None:
    assert words in refused(build())
    ledger.attack("hostile file: xlsx with macros or external links", 1)


def test_a_word_file_that_fetches_a_remote_template_is_refused() -> None:
    message = refused(hostile.remote_template_docx(), "cong-van.docx", "docx")
    assert "word/_rels/settings.xml.rels" in message
    ledger.attack("hostile file: docx with remote template", 1)


def test_a_workbook_named_xlsm_is_refused_by_name_too() -> None:
    with pytest.raises(UnsafeFile, match=r"định dạng \.xlsm"):
        safe_files.check_workbook(io.BytesIO(hostile.workbook()), "bang.xlsm")


def test_a_plain_workbook_passes() -> None:
    safe_files.check_workbook(io.BytesIO(hostile.workbook()), "bang.xlsx")


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\a\\ke-hoach.pdf", "ke-hoach.pdf"),
        ("C:ke-hoach.pdf", "ke-hoach.pdf"),
        ("bao\x00cao\r\n.pdf", "baocao .pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("nul", "_nul"),
        ("anh\u202egnp.exe", "anhgnp.exe"),
        ("Ke\u0302\u0301 hoa\u0323ch.pdf", "Kế hoạch.pdf"),
        ("..", "tep"),
        ("", "tep"),
        ('a<b>:"c|d?*.pdf', "a_b___c_d__.pdf"),
    ],
)
def test_uploaded_names_become_display_text_without_paths_or_tricks(given: str, shown: str) -> None:
    assert safe_files.display_name(given) == shown
    ledger.attack("hostile file: name with traversal or control characters", 1)


def test_an_overlong_name_is_cut_to_255_characters_keeping_its_extension() -> None:
    shown = safe_files.display_name("ạ" * 400 + ".pdf")
    assert len(shown) == 255 and shown.endswith(".pdf")


def test_stored_names_are_random_and_never_take_the_uploaders_text() -> None:
    first, second = safe_files.stored_name("pdf"), safe_files.stored_name("pdf")
    assert first != second and first.endswith(".pdf") and "/" not in first
    with pytest.raises(ValueError):
        safe_files.stored_name("../x")


def test_a_name_that_lies_about_its_kind_gets_the_true_extension() -> None:
    assert safe_files.named_for("scan.docx", "pdf") == "scan.docx.pdf"
    assert safe_files.named_for("anh.JPEG", "jpg") == "anh.JPEG"
    assert safe_files.named_for("bien-ban", "pdf") == "bien-ban.pdf"


@pytest.mark.parametrize("head", [hostile.POLYGLOT, b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>"])
def test_markup_in_the_head_of_a_pdf_or_image_is_refused(head: bytes) -> None:
    with pytest.raises(UnsafeFile, match="HTML/SVG/script"):
        safe_files.check_no_markup(io.BytesIO(head), "x.pdf", "PDF")
    ledger.attack("hostile file: polyglot", 1)


@pytest.mark.parametrize(
    ("content", "name"),
    [(hostile.HTML, "chi-thi.pdf"), (hostile.EXE, "chi-thi.txt"), (hostile.PDF, "chi-thi.txt")],
)
def test_a_directive_whose_bytes_are_not_what_its_name_says_is_refused(
    content: bytes, name: str
) -> None:
    with pytest.raises(UnsafeFile, match="như tên tệp cho biết"):
        safe_files.check_document(io.BytesIO(content), name)
    ledger.attack("hostile file: content does not match extension", 1)


def test_yaml_aliases_are_refused_so_a_billion_laughs_never_expands() -> None:
    laughs = 'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'
    with pytest.raises(yaml.YAMLError, match="aliases"):
        safe_files.load_yaml(laughs)
    assert safe_files.load_yaml("a: [1, 2]") == {"a": [1, 2]}
    ledger.attack("hostile file: YAML billion laughs", 1)


NFD = "Nghe\u0323\u0302 An"  # "Nghệ An" typed decomposed


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        (NFD, "Nghệ An"),
        ("1.1\u200b", "1.1"),
        ("\ufeff1.1", "1.1"),
        ("1\u200c.\u200d1\u2060", "1.1"),
        ("Xa\u0303 \u202eA", "Xã A"),
        ("dòng 1\ndòng 2\tx", "dòng 1\ndòng 2\tx"),
        ("a\x00b\x1bc", "abc"),
    ],
)
def test_text_is_nfc_without_invisible_or_control_characters(given: str, cleaned: str) -> None:
    assert clean(given) == cleaned
    ledger.attack("unicode trick: NFD or invisible characters", 1)


def test_one_line_values_lose_their_line_breaks_and_invisible_characters_are_named() -> None:
    assert clean_line("  Xã\nA \u200b") == "Xã A"
    assert invisible_in("a\u200bb\u202e") == ["U+200B", "U+202E"]
    assert clean_tree({"ma\u200b": [NFD, 1, None]}) == {"ma": ["Nghệ An", 1, None]}
