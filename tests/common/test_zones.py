"""Times are shown with the place whose clock they are, never with a zone identifier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from portline.common.zones import time_with_place, zone_city

PORTLINE = Path(__file__).resolve().parents[2] / "portline"


def test_zone_city_is_named_in_the_readers_language():
    assert zone_city("America/New_York", "en") == "New York"
    assert zone_city("America/New_York", "es") == "Nueva York"
    assert zone_city("America/New_York", "pt") == "Nova York"
    assert zone_city("America/New_York", "ht") == "Nouyòk"  # shipped: ICU has no Creole names


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_no_zone_identifier_in_any_language(language):
    for zone in ("America/New_York", "America/Los_Angeles", "America/Chicago", "America/Phoenix"):
        city = zone_city(zone, language)
        assert "/" not in city and "_" not in city and city, (zone, language, city)


def test_time_with_place_reads_as_a_clock():
    with translation.override("en"):
        assert time_with_place("10:30", "San Ysidro") == "10:30, San Ysidro time"
    with translation.override("es"):
        assert time_with_place("10:30", "San Ysidro") == "10:30, hora de San Ysidro"


def test_nothing_renders_a_zone_name_or_abbreviation():
    """No template prints a time_zone field and no code formats %Z or tzname() for people."""
    offenders = []
    for path in PORTLINE.rglob("*"):
        if path.suffix not in {".html", ".txt", ".py"} or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix in {".html", ".txt"} and re.search(r"time_zone\s*[|}%]", text):
            offenders.append(str(path.relative_to(PORTLINE)))
        if path.suffix == ".py" and re.search(r"tzname\(\)|%Z", text):
            offenders.append(str(path.relative_to(PORTLINE)))
    assert not offenders, offenders
