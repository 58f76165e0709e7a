"""Seams to the neighbouring apps (appointments, screening, geofence, integrity).

Each is looked up when first used, so this app works, and its tests pass, whether or not a
neighbour is installed; where one is, the real service is called (no stand-in).
"""

from __future__ import annotations

import importlib
from typing import Any


def _module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def appointment_model() -> Any | None:
    models = _module("portline.appointments.models")
    return getattr(models, "Appointment", None) if models else None


def appointment_token_verify() -> Any | None:
    for name in ("portline.appointments.services", "portline.appointments.selectors"):
        module = _module(name)
        if module is not None and hasattr(module, "appointment_token_verify"):
            return module.appointment_token_verify
    return None


def confirmation_number_normalise(raw: str) -> str:
    services = _module("portline.appointments.services")
    if services is not None and hasattr(services, "confirmation_number_normalise"):
        return services.confirmation_number_normalise(raw)
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def screening_services() -> Any | None:
    services = _module("portline.screening.services")
    if services and hasattr(services, "screening_run_for_person"):
        return services
    return None


def screening_hit_model() -> Any | None:
    models = _module("portline.screening.models")
    return getattr(models, "ScreeningHit", None) if models else None


def model_or_none(module: str, name: str) -> Any | None:
    models = _module(module)
    return getattr(models, name, None) if models else None


def screening_display() -> Any | None:
    return _module("portline.screening.display")
