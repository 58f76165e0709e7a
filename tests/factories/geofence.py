"""Factories and places for the geofence tests."""

from __future__ import annotations

from tests.factories import PersonFactory, RegistrationFactory

# Points people would send from these places (a few hundred metres from the centre).
PLACES = {
    "tijuana": (32.5149, -117.0382),
    "monterrey": (25.6866, -100.3161),
    "mexico_city": (19.4326, -99.1332),
    "puebla": (19.0414, -98.2063),
    "oaxaca": (17.0732, -96.7266),
    "veracruz": (19.1738, -96.1342),
    "acapulco": (16.8531, -99.8237),
    "villahermosa": (17.9892, -92.9475),
    "tapachula": (14.9056, -92.2633),
    "cancun": (21.1619, -86.8515),
    "gulf": (24.0, -93.0),
    "guatemala_city": (14.6349, -90.5069),
    "el_paso_airport": (31.8072, -106.3778),
    "el_paso_downtown": (31.7619, -106.4850),
}


def submitted_registration(*, nationalities=("HN",), **kwargs):
    """A submitted registration with one person per nationality given."""
    import datetime as dt

    registration = RegistrationFactory(
        status="submitted", submitted_at=dt.datetime(2023, 1, 2, tzinfo=dt.UTC), **kwargs
    )
    for position, nationality in enumerate(nationalities, start=1):
        PersonFactory(registration=registration, position=position, nationality=nationality)
    return registration
