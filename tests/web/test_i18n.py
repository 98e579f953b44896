"""The interface is Japanese first: every string of the catalogue is translated, placeholders
survive translation, and pages switch to English only through the language cookie."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.translation import trans_real

from tests.builders import make_batch, make_department, make_staff
from tsuchi.accounts.models import Role

CATALOGUE = Path(__file__).parents[2] / "src/tsuchi/locale/ja/LC_MESSAGES/django.po"
PERCENT = re.compile(r"%\(\w+\)[sdif]")
BRACE = re.compile(r"\{\w+\}")


def _entries(text: str | None = None) -> list[dict[str, object]]:
    """The catalogue's live entries (not the header, not obsolete ones) as
    {"msgid", "msgid_plural", "msgstr": [..], "flags": set}."""
    entries = []
    if text is None:
        text = CATALOGUE.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        key = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key] += ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                fields[key] = ast.literal_eval(value)
        if fields.get("msgid"):
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries.append(
                {
                    "msgid": fields["msgid"],
                    "msgid_plural": fields.get("msgid_plural", ""),
                    "msgstr": strs,
                    "flags": flags,
                }
            )
    return entries


ENTRIES = _entries()


def test_catalogue_is_parsed():
    assert len(ENTRIES) > 300


def test_every_entry_is_translated_and_checked():
    untranslated = [e["msgid"] for e in ENTRIES if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in ENTRIES if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_header_declares_japanese_with_one_plural_form():
    header = CATALOGUE.read_text(encoding="utf-8").split("\n\n")[0]
    assert '"Language: ja\\n"' in header
    assert "charset=UTF-8" in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    plurals = [e for e in ENTRIES if e["msgid_plural"]]
    assert plurals
    assert all(len(e["msgstr"]) == 1 for e in plurals)


def test_translations_keep_every_placeholder():
    lost = {}
    for entry in ENTRIES:
        wanted = set(PERCENT.findall(entry["msgid"])) | set(PERCENT.findall(entry["msgid_plural"]))
        if "python-brace-format" in entry["flags"]:
            wanted |= set(BRACE.findall(entry["msgid"]))
        for msgstr in entry["msgstr"]:
            found = set(PERCENT.findall(msgstr)) | set(BRACE.findall(msgstr))
            if wanted - found:
                lost[entry["msgid"]] = wanted - found
    assert lost == {}


def test_catalogue_holds_every_string_of_the_source(tmp_path):
    """makemessages over a copy of the source finds no string the catalogue lacks (and none it
    holds that the source dropped): run makemessages and translate when this fails."""
    package = Path(__file__).parents[2] / "src/tsuchi"
    copy = tmp_path / "tsuchi"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "core"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "ja",
            "-v0",
            "--settings=tsuchi.web.settings",
        ],
        cwd=copy,
        check=True,
    )
    fresh = (copy / "locale/ja/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    extracted = {e["msgid"] for e in _entries(fresh)}
    assert extracted - {e["msgid"] for e in ENTRIES} == set(), "run makemessages, then translate"
    assert {e["msgid"] for e in ENTRIES} - extracted == set(), "run makemessages"


@pytest.fixture(scope="module")
def compiled_catalogue():
    """Django reads the .mo, which is built by `make setup` and not committed; rebuild it when
    the .po is newer so the page tests see the current translations."""
    mo = CATALOGUE.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < CATALOGUE.stat().st_mtime:
        subprocess.run(["msgfmt", "--check", "-o", str(mo), str(CATALOGUE)], check=True)
        trans_real._translations = {}
        trans_real._default = None


@pytest.mark.usefixtures("compiled_catalogue", "japanese")
def test_login_page_is_japanese_by_default(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en")
    text = page.content.decode()
    assert page.headers["Content-Language"] == "ja"
    assert "ログイン" in text
    assert "パスワード" in text
    assert "Password" not in text


@pytest.mark.usefixtures("compiled_catalogue")
def test_login_page_is_english_with_the_language_cookie(client):
    client.cookies["django_language"] = "en"
    text = client.get(reverse("accounts:login")).content.decode()
    assert "Log in" in text
    assert "Password" in text
    assert "パスワード" not in text


@pytest.fixture
def staff_client(client, db):
    department = make_department()
    preparer = make_staff(department, Role.PREPARER)
    make_batch(department, preparer)
    client.force_login(preparer)
    return client


@pytest.mark.usefixtures("compiled_catalogue", "japanese")
def test_batch_list_is_japanese_by_default(staff_client):
    text = staff_client.get(reverse("batches:list")).content.decode()
    assert "通知枠" in text
    assert "下書き" in text
    assert "紙通知" in text
    assert "New batch" not in text


@pytest.mark.usefixtures("compiled_catalogue")
def test_batch_list_is_english_with_the_language_cookie(staff_client):
    staff_client.cookies["django_language"] = "en"
    text = staff_client.get(reverse("batches:list")).content.decode()
    assert "Batches" in text
    assert "Draft" in text
    assert "New batch" in text
    assert "通知枠の" not in text
    assert "下書き" not in text
