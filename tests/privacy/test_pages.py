"""The public retention schedule in every applicant language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from portline.privacy.schedule import KINDS

pytestmark = pytest.mark.django_db

TITLE = {
    "en": "Your data and how long we keep it",
    "es": "Sus datos y cuánto tiempo los guardamos",
    "ht": "Done ou ak konbyen tan nou kenbe yo",
    "fr": "Vos données et combien de temps nous les gardons",
    "pt": "Os seus dados e quanto tempo os guardamos",
}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_schedule_page_is_public_in_every_offered_language(language, settings):
    settings.PORTLINE_RETENTION_DAYS = {**settings.PORTLINE_RETENTION_DAYS, "drafts": 123}
    response = Client().get("/privacy/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    assert TITLE[language] in page
    assert "<td>123</td>" in page  # the configured number of days, not a fixed text
    with translation.override(language):
        for kind in KINDS:
            assert str(kind.records) in page


@pytest.mark.parametrize("language", ["es", "ht", "fr", "pt"])
def test_every_schedule_line_is_translated(language):
    with translation.override(language):
        for kind in KINDS:
            for text in (kind.records, kind.action, kind.counted_from):
                with translation.override("en"):
                    english = str(text)
                assert str(text) != english, (language, english)
