"""Translations follow each language's glossary (portline/locale/<code>/glossary.json): one
word for each concept, so a Creole reader never meets "tou" on one page and "wonn" on the next."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

PORTLINE = Path(__file__).resolve().parent.parent / "portline"
GLOSSARIES = sorted((PORTLINE / "locale").glob("*/glossary.json"))


def _word(text: str) -> re.Pattern[str]:
    edge = "\\w'\u2019-"  # a word ends at anything but a letter, an apostrophe or a hyphen
    return re.compile(rf"(?<![{edge}]){re.escape(text)}(?![{edge}])", re.IGNORECASE)


def _texts(value) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value if v]


def violations(glossary: dict, catalogue: Path) -> list[str]:
    found = []
    with catalogue.open("rb") as handle:
        messages = [m for m in read_po(handle) if m.id]
    for term in glossary["terms"]:
        english = [_word(w) for w in term.get("en", [])]
        avoided = [_word(w) for w in term["avoid"]]
        for message in messages:
            ids = _texts(message.id)
            if english and not any(e.search(i) for e in english for i in ids):
                continue
            for text in _texts(message.string):
                for pattern in avoided:
                    if pattern.search(text):
                        found.append(
                            f"{term['use']} not {pattern.pattern!r}: {ids[0]!r} -> {text!r}"
                        )
    return found


def test_offered_languages_have_their_glossary_checked():
    offered = {code for code, _name in settings.LANGUAGES}
    assert "ht" in {g.parent.name for g in GLOSSARIES}
    assert {g.parent.name for g in GLOSSARIES} <= offered


@pytest.mark.parametrize("glossary_path", GLOSSARIES, ids=lambda p: p.parent.name)
def test_catalogues_follow_the_glossary(glossary_path):
    glossary = json.loads(glossary_path.read_text(encoding="utf-8"))
    code = glossary_path.parent.name
    assert glossary["language"] == code
    for term in glossary["terms"]:
        assert term["use"] and term["avoid"], term
        assert not any(_word(a).search(term["use"]) for a in term["avoid"]), term
    problems = []
    for catalogue in sorted(PORTLINE.rglob(f"locale/{code}/LC_MESSAGES/django.po")):
        problems += [
            f"{catalogue.relative_to(PORTLINE)}: {v}" for v in violations(glossary, catalogue)
        ]
    assert not problems, "\n".join(problems[:30])


def test_the_check_finds_an_avoided_word(tmp_path):
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Round"\nmsgstr "Tou"\n\nmsgid "Also this"\nmsgstr "Sa a tou"\n\n'
        'msgid "Inside"\nmsgstr "Andedan"\n',
        encoding="utf-8",
    )
    glossary = json.loads((PORTLINE / "locale" / "ht" / "glossary.json").read_text("utf-8"))
    found = violations(glossary, catalogue)
    assert len(found) == 2  # "tou" meaning "also" is fine; "tou" for a round is not
