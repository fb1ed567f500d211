"""The English catalogue is complete, compiled, and used only when the user picked English.

The .po files are read with a small parser (polib is not a project dependency); the
compiled .mo files are checked through Django's own translation machinery.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

CHISO = Path(__file__).resolve().parents[2]
MAIN = CHISO / "locale" / "en" / "LC_MESSAGES" / "django.po"
API = CHISO / "api" / "locale" / "en" / "LC_MESSAGES" / "django.po"

# msgids that are the same in both languages (codes, names, formulas).
SAME_IN_BOTH = {"API", "DTI", "chiso", "%(d)s ≠ %(s)s − %(a)s"}

PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%%|%[sdif]|\{[^{}]*\}")
MARKUP = re.compile(r"<[^>]+>|&#?\w+;")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header included (msgid ""); obsolete entries skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    pending_flags: set[str] = set()
    target: tuple[str, int] | None = None  # which string continuation lines extend

    def append(text: str) -> None:
        assert current is not None and target is not None
        name, index = target
        if name == "msgstr":
            current.msgstr[index] = current.msgstr.get(index, "") + text
        else:
            setattr(current, name, (getattr(current, name) or "") + text)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            pending_flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            append(ast.literal_eval(line))
            continue
        keyword, _, rest = line.partition(" ")
        starts_entry = keyword == "msgctxt" or (
            keyword == "msgid" and (current is None or current.msgctxt is None or current.msgstr)
        )
        if starts_entry:
            current = Entry(flags=pending_flags, line=number)
            pending_flags = set()
            entries.append(current)
        assert current is not None, f"{path}:{number}: text before the first entry"
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            target = ("msgstr", int(match.group(1)))
        elif keyword == "msgstr":
            target = ("msgstr", 0)
        elif keyword in {"msgid", "msgid_plural", "msgctxt"}:
            target = (keyword, 0)
        else:
            raise AssertionError(f"{path}:{number}: unexpected {keyword!r}")
        append(ast.literal_eval(rest))
    return entries


def messages(path: Path) -> list[Entry]:
    return [e for e in parse_po(path) if e.msgid or e.msgctxt]


def where(path: Path, entry: Entry) -> str:
    return f"{path.relative_to(CHISO.parent)}:{entry.line} {entry.msgid!r}"


def test_the_parser_reads_the_catalogue() -> None:
    entries = messages(MAIN)
    assert len(entries) > 800
    assert any(e.msgid_plural for e in entries)
    login = next(e for e in entries if e.msgid == "Đăng nhập")
    assert login.msgstr == {0: "Log in"}


@pytest.mark.parametrize("path", [MAIN, API], ids=["main", "api"])
def test_every_entry_is_translated_and_none_is_fuzzy(path: Path) -> None:
    header = parse_po(path)[0]
    assert header.msgid == "" and "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    if path == MAIN:
        assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header.msgstr[0]
    problems = []
    for entry in messages(path):
        forms = 2 if entry.msgid_plural is not None else 1
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {where(path, entry)}")
        if sorted(entry.msgstr) != list(range(forms)) or not all(
            s.strip() for s in entry.msgstr.values()
        ):
            problems.append(f"untranslated: {where(path, entry)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", [MAIN, API], ids=["main", "api"])
def test_translations_keep_placeholders_markup_and_outer_whitespace(path: Path) -> None:
    problems = []
    for entry in messages(path):
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        for index, text in entry.msgstr.items():
            source = sources[min(index, len(sources) - 1)]
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {where(path, entry)} -> {text!r}")
            if sorted(MARKUP.findall(text)) != sorted(MARKUP.findall(source)):
                problems.append(f"markup differs: {where(path, entry)} -> {text!r}")
            lead = source[: len(source) - len(source.lstrip())]
            trail = source[len(source.rstrip()) :]
            if not (text.startswith(lead) and text.endswith(trail)):
                problems.append(f"outer whitespace differs: {where(path, entry)}")
    assert not problems, "\n".join(problems)


def _translate(entry: Entry, count: int | None = None) -> str:
    if entry.msgid_plural is not None:
        assert count is not None
        if entry.msgctxt is not None:
            return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count)
        return translation.ngettext(entry.msgid, entry.msgid_plural, count)
    if entry.msgctxt is not None:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


def test_django_serves_the_compiled_main_catalogue_exactly() -> None:
    """The .mo is compiled from the current .po (the project catalogue has priority)."""
    stale = []
    with translation.override("en"):
        for entry in messages(MAIN):
            if entry.msgid_plural is None:
                got = {0: _translate(entry)}
            else:
                got = {0: _translate(entry, 1), 1: _translate(entry, 2)}
            if got != entry.msgstr:
                stale.append(f"{where(MAIN, entry)}: .mo gives {got!r}")
    assert not stale, "recompile django.mo (msgfmt):\n" + "\n".join(stale)


@pytest.mark.parametrize("path", [MAIN, API], ids=["main", "api"])
def test_no_message_falls_back_to_vietnamese_in_english(path: Path) -> None:
    untranslated = []
    with translation.override("en"):
        for entry in messages(path):
            if entry.msgid_plural is not None:
                if _translate(entry, 1) == entry.msgid or _translate(entry, 2) == entry.msgid:
                    untranslated.append(where(path, entry))
            elif _translate(entry) == entry.msgid and entry.msgid not in SAME_IN_BOTH:
                untranslated.append(where(path, entry))
    assert not untranslated, "\n".join(untranslated)


# --- pages ---------------------------------------------------------------------------------


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_the_login_page_is_english_with_the_language_cookie(client: Client) -> None:
    response = english(client).get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html
    assert ">Username</label>" in html and ">Password</label>" in html
    assert "Forgot your password?" in html
    assert "Đăng nhập" not in html and "Mật khẩu" not in html


@pytest.mark.django_db
def test_the_login_page_is_vietnamese_without_the_cookie(client: Client) -> None:
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in html
    assert "<h1>Đăng nhập</h1>" in html
    assert ">Tên đăng nhập</label>" in html and ">Mật khẩu</label>" in html
    assert "Log in" not in html and "Password" not in html


@pytest.mark.django_db
def test_an_english_browser_alone_still_gets_vietnamese(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="vi">' in html and "<h1>Đăng nhập</h1>" in html


@pytest.mark.django_db
def test_the_home_page_is_english_with_the_language_cookie(client: Client) -> None:
    response = english(client).get("/", follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Skip to main content" in html
    assert 'aria-label="Main menu"' in html
    assert ">Log in</a>" in html
    assert "· Digital transformation</title>" in html
    assert "Đăng nhập" not in html and "Bỏ qua đến nội dung chính" not in html


@pytest.mark.django_db
def test_the_home_page_is_vietnamese_without_the_cookie(client: Client) -> None:
    response = client.get("/", follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert "Bỏ qua đến nội dung chính" in html
    assert ">Đăng nhập</a>" in html
    assert "· Chuyển đổi số</title>" in html
    assert "Log in" not in html and "Skip to main content" not in html


@pytest.mark.django_db
def test_the_language_switch_sets_the_cookie_and_the_next_page_is_english(
    client: Client,
) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(response.headers["Location"]).content.decode()
    assert '<html lang="en">' in html and "<h1>Log in</h1>" in html


@pytest.mark.django_db
def test_cached_portal_fragments_follow_the_visitors_language(client: Client) -> None:
    cache.clear()
    client.get("/portal/")  # Vietnamese visitor first
    html = english(client).get("/portal/").content.decode()
    assert "<h1>Digital transformation ranking</h1>" in html


@pytest.mark.django_db
def test_an_english_request_leaves_the_thread_speaking_vietnamese(client: Client) -> None:
    from django.utils import translation

    english(client).get("/accounts/login/")
    assert translation.get_language() == "vi"
    assert translation.gettext("Đăng nhập") == "Đăng nhập"
