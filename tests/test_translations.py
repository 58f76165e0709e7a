"""Every catalogue of every offered language is complete, and the languages are offered.

The languages come from settings.LANGUAGES (the folders of portline/locale/): a new language
is tested by adding its catalogues, with no change here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

PORTLINE = Path(__file__).resolve().parent.parent / "portline"
OFFERED = [code for code, _name in settings.LANGUAGES]
TRANSLATED = [code for code in OFFERED if code != settings.LANGUAGE_CODE]
CATALOGUES = sorted(
    p for lang in TRANSLATED for p in PORTLINE.rglob(f"locale/{lang}/LC_MESSAGES/django.po")
)
CORE_APPS = ("common", "accounts", "registrations", "scheduling", "partners", "audit", "api")


def test_the_offered_languages_are_the_locale_folders():
    declared = sorted(p.parent.name for p in (PORTLINE / "locale").glob("*/language.json"))
    assert sorted(OFFERED) == declared
    assert OFFERED[0] == settings.LANGUAGE_CODE
    assert translation.get_language_info("ht")["name_local"] == "Kreyòl ayisyen"
    for code in OFFERED:
        info = translation.get_language_info(code)
        assert info["name_local"] and isinstance(info["bidi"], bool), code


def test_every_app_with_a_catalogue_has_one_for_every_offered_language():
    """An app that translates anything translates it into every offered language."""
    apps = {p.parents[3] for p in PORTLINE.rglob("locale/*/LC_MESSAGES/django.po")}
    apps.discard(PORTLINE)  # portline/locale: Django's own messages, only where Django has none
    assert {PORTLINE / app for app in CORE_APPS} <= apps
    for app in sorted(apps):
        for lang in TRANSLATED:
            path = app / "locale" / lang / "LC_MESSAGES" / "django.po"
            assert path.exists(), path.relative_to(PORTLINE)


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


def test_rtl_languages_get_dir_rtl():
    """The base template writes dir from LANG_INFO's bidi flag (settings.LANGUAGES_BIDI)."""
    from django.template import Context, Template

    template = Template(
        "{% load i18n %}{% get_current_language_bidi as bidi %}{% if bidi %}rtl{% else %}ltr{% endif %}"
    )
    for code in OFFERED:
        with translation.override(code):
            expected = "rtl" if translation.get_language_info(code)["bidi"] else "ltr"
            assert template.render(Context()) == expected, code
    with translation.override("ar"):  # Django knows Arabic as right-to-left
        assert template.render(Context()) == "rtl"


def test_core_messages_are_translated_at_run_time():
    from portline.registrations.models import RequestBasis

    with translation.override("es"):
        assert str(RequestBasis.SAFETY.label) == "Peligro para la vida o la seguridad"
    with translation.override("ht"):
        assert str(RequestBasis.SAFETY.label) == "Danje pou lavi oswa sekirite"
