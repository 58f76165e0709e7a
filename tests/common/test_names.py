"""The one normal form for names (portline.common.names)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portline.common.names import has_letter, name_normalise

RLO, PDF, ZWSP, ZWJ, LRM, BOM = "\u202e", "\u202c", "\u200b", "\u200d", "\u200e", "\ufeff"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (f"{RLO}abeurP aicuL", "abeurP aicuL"),  # displayed as "Lucia Prueba" before
        (f"Lu{ZWSP}cia  Prue{ZWJ}ba", "Lucia Prueba"),
        (f"{LRM}{BOM} Lucia\u00a0\u00a0Prueba\t\n", "Lucia Prueba"),
        ("\uff2c\uff55\uff43\uff49\uff41", "Lucia"),  # fullwidth
        ("\ufb01ona", "fiona"),  # ligature
        ("Lucia\u3164Prueba", "Lucia Prueba"),  # a Hangul filler draws as a blank
        ("Jose\u0301", "Jos\u00e9"),  # composed
        (f"Jos{ZWSP}e\u0301", "Jos\u00e9"),  # composed once the control between is gone
        ("Lucia\x00\x07 Prueba", "Lucia Prueba"),
        ("Mar\u00eda Jos\u00e9 O'Neil-P\u00e9rez", "Mar\u00eda Jos\u00e9 O'Neil-P\u00e9rez"),
        (
            "\u0645\u062d\u0645\u062f \u0639\u0644\u064a",
            "\u0645\u062d\u0645\u062f \u0639\u0644\u064a",
        ),
        ("\ud800Ana", "Ana"),  # a lone surrogate (valid in JSON, not storable)
        (None, ""),
    ],
)
def test_names_are_normalised(raw, normal):
    assert name_normalise(raw) == normal


@pytest.mark.parametrize("raw", [f"{RLO}{PDF}", f"{ZWSP} {ZWJ}", "\u3164", "  ", "- ."])
def test_names_of_controls_and_blanks_have_no_letter(raw):
    assert not has_letter(name_normalise(raw))


@given(st.text(max_size=40))
def test_the_normal_form_is_stable_and_free_of_invisible_controls(raw):
    normal = name_normalise(raw)
    assert name_normalise(normal) == normal
    assert not any(ch in normal for ch in (RLO, PDF, ZWSP, ZWJ, LRM, BOM, "\u2066", "\u2069"))
    assert normal == normal.strip() and "  " not in normal
