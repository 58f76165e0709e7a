"""The QR code's signed token: confirmation number, port and date, signed with the site key.

The token proves that Portline issued this appointment; an officer's scanner checks the
signature and then the appointment's current state (`selectors.appointment_token_verify`).
"""

from __future__ import annotations

import io

from django.core import signing

TOKEN_SALT = "portline.appointments.qr.v1"  # noqa: S105  # a namespace, not a secret


def token_make(*, confirmation_number: str, port_code: str, service_date_iso: str) -> str:
    return signing.dumps(
        {"n": confirmation_number, "p": port_code, "d": service_date_iso},
        salt=TOKEN_SALT,
        compress=True,
    )


def token_read(token: str) -> dict:
    """The signed payload; raises signing.BadSignature for forged or altered tokens."""
    payload = signing.loads(token, salt=TOKEN_SALT)
    if not isinstance(payload, dict) or set(payload) != {"n", "p", "d"}:
        raise signing.BadSignature("unexpected payload")
    return payload


def qr_svg(data: str) -> str:
    """An inline SVG of the QR code (no script, so the page's CSP allows it)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return svg.split("?>", 1)[-1].strip() if svg.startswith("<?xml") else svg


def qr_png(data: str) -> bytes:
    import qrcode

    image = qrcode.make(data, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
