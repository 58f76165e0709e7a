"""Face comparison is a pluggable check behind a small interface.

Portline ships NO face model: `UnavailableFaceComparer` is the only implementation, and the
officer always has the non-biometric path (visual comparison with the submitted photo, and an
identity document). A real comparer must come inside a PyPI package (nothing downloaded at
run time), have its failure rates measured and published by group, and only ever assist the
officer; see docs/inspection.md. Set `PORTLINE_FACE_COMPARER` (a dotted path to a class) in
settings to plug one in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FaceComparison:
    available: bool
    score: float | None = None  # similarity in [0, 1]; None when nothing was compared
    message: str = ""


class FaceComparer(Protocol):
    name: str
    available: bool

    def compare(self, *, reference: bytes, probe: bytes) -> FaceComparison: ...


class UnavailableFaceComparer:
    """The default: says so, and the officer compares visually or examines a document."""

    name = "none"
    available = False

    def compare(self, *, reference: bytes, probe: bytes) -> FaceComparison:
        return FaceComparison(
            available=False,
            message=str(
                _(
                    "No face comparison model is installed. Compare the person with the submitted photo and examine an identity document."
                )
            ),
        )


def face_comparer() -> FaceComparer:
    path = settings.PORTLINE_FACE_COMPARER
    if path:
        return import_string(path)()
    return UnavailableFaceComparer()
