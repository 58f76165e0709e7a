"""The PDF font prints every character of every offered language's catalogues and names."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
from babel.messages.pofile import read_po
from django.conf import settings
from fontTools.ttLib import TTFont

from portline.common.countries import NAMES_DIR

PORTLINE = Path(__file__).resolve().parents[2] / "portline"
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _texts():
    for code, _name in settings.LANGUAGES:
        for path in PORTLINE.rglob(f"locale/{code}/LC_MESSAGES/django.po"):
            with path.open("rb") as handle:
                for message in read_po(handle):
                    strings = (
                        message.string if isinstance(message.string, tuple) else (message.string,)
                    )
                    yield from (s for s in strings if s)
    for path in NAMES_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        yield from data["countries"].values()
        yield from data["languages"].values()
    # French and Portuguese letters, whatever the catalogues hold today.
    yield "àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÙÛÜŸŒÆ « » \u2019 ãõáíóúÃÕÁÍÓÚ ñÑ ¿¡ ò"


def test_dejavu_covers_every_offered_language():
    needed = {ch for text in _texts() for ch in text if not ch.isspace()}
    for font in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        cmap = TTFont(str(FONTS / font)).getBestCmap()
        missing = sorted(ch for ch in needed if ord(ch) not in cmap)
        assert not missing, (font, missing)
