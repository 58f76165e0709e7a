"""Helpers shared by the account and partner page tests."""

from __future__ import annotations

from django_otp.oath import totp

from tests.factories import PASSWORD


def totp_code(device) -> str:
    """The code an authenticator app shows now for `device` (the real algorithm, no mock)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def password_login(client, login: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": login, "password": password, **extra})


def full_login(client, user, password: str = PASSWORD):
    """Password then authenticator code, through the real pages."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    response = password_login(client, user.login, password)
    assert response.status_code == 302, response.content[:500]
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return client.post("/accounts/verify/", {"code": totp_code(device)})
