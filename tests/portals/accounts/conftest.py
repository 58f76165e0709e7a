from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _language_reset():
    """Pages here are fetched in Spanish and Creole; leave the thread in the default language."""
    yield
    from django.utils import translation

    translation.deactivate()
