"""Every catalogue is complete in Spanish and Haitian Creole, and the languages are offered."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

PORTLINE = Path(__file__).resolve().parent.parent / "portline"
CATALOGUES = sorted(
    p for lang in ("es", "ht") for p in PORTLINE.rglob(f"locale/{lang}/LC_MESSAGES/django.po")
)
CORE_APPS = ("common", "accounts", "registrations", "scheduling", "partners", "audit", "api")


def test_three_languages_are_offered():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "es", "ht"]
    assert translation.get_language_info("ht")["name_local"] == "Kreyòl ayisyen"


def test_core_apps_have_both_catalogues():
    for app in CORE_APPS:
        for lang in ("es", "ht"):
            assert (PORTLINE / app / "locale" / lang / "LC_MESSAGES" / "django.po").exists(), (
                app,
                lang,
            )


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(PORTLINE)))
def test_catalogue_is_complete(path):
    with path.open("rb") as handle:
        catalog = read_po(handle)
    messages = [m for m in catalog if m.id]
    assert messages, "an empty catalogue"
    untranslated = [m.id for m in messages if not (all(m.string) if m.pluralizable else m.string)]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, f"untranslated: {untranslated[:5]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"
    # Placeholders such as %(name)s must survive translation.
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check() if errors]
    assert not problems, problems[:5]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(PORTLINE)))
def test_catalogue_has_no_duplicate_entries(path):
    """Catalogues of parallel work merge as a union; an entry added twice must be removed."""
    import re

    pattern = r'^(?:msgctxt "(?:[^"\\]|\\.)*"\n)?msgid (?:"(?:[^"\\]|\\.)*"\n?)+'
    ids = [m.group(0) for m in re.finditer(pattern, path.read_text(encoding="utf-8"), re.M)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1 and i.strip() != 'msgid ""'})
    assert not duplicates, duplicates[:5]


def test_core_messages_are_translated_at_run_time():
    from portline.registrations.models import RequestBasis

    with translation.override("es"):
        assert str(RequestBasis.SAFETY.label) == "Peligro para la vida o la seguridad"
    with translation.override("ht"):
        assert str(RequestBasis.SAFETY.label) == "Danje pou lavi oswa sekirite"
