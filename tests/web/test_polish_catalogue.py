"""The Polish catalogue is complete, compiled and current: UI text is Polish by default."""
import ast
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

import klinika

SOURCE = Path(klinika.__file__).parent
CATALOGUE = SOURCE / "locale" / "pl" / "LC_MESSAGES"


def entries(po_path: Path) -> list[dict]:
    """msgid, msgid_plural, msgstr / msgstr[n] and flags of every entry but the header and obsolete ones."""
    found = []
    for block in re.split(r"\n\s*\n", po_path.read_text(encoding="utf-8")):
        entry, key = {"flags": ""}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line):
                key = match[1]
                entry[key] = ast.literal_eval(match[2])
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if entry.get("msgid"):
            found.append(entry)
    return found


def _untranslated(po_path: Path) -> list[str]:
    return [e["msgid"] for e in entries(po_path)
            if "fuzzy" in e["flags"] or not all(v for k, v in e.items() if k.startswith("msgstr"))]


def test_every_message_has_a_polish_translation():
    assert _untranslated(CATALOGUE / "django.po") == []


def test_plural_messages_have_all_four_polish_forms():
    for entry in entries(CATALOGUE / "django.po"):
        if "msgid_plural" in entry:
            assert sorted(k for k in entry if k.startswith("msgstr")) == [f"msgstr[{n}]" for n in range(4)]


def test_the_compiled_catalogue_matches_the_po():
    with open(CATALOGUE / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in entries(CATALOGUE / "django.po"):
        if "msgid_plural" in entry:
            for n, form in ((1, 0), (2, 1), (5, 2)):
                assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], n) == entry[f"msgstr[{form}]"]
        elif "msgctxt" in entry:
            assert compiled.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], "run `klinika compilemessages`"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext) to extract messages")
def test_the_catalogue_has_every_message_of_the_code(tmp_path, monkeypatch):
    copy = tmp_path / "klinika"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[]):
        call_command("makemessages", locale=["pl"], no_location=True, verbosity=0)
    missing = _untranslated(copy / "locale" / "pl" / "LC_MESSAGES" / "django.po")
    assert missing == [], ("new messages without Polish: run `cd src/klinika && klinika makemessages -l pl "
                           "--no-location`, translate them, then `klinika compilemessages`")
