import datetime as dt
import re
import zlib

import pytest
from django.conf import settings
from django.core import signing
from freezegun import freeze_time

from portline.appointments import services
from portline.appointments.pdf import appointment_pdf
from portline.appointments.selectors import appointment_token, appointment_token_verify
from portline.appointments.tokens import TOKEN_SALT
from portline.audit.models import AuditRecord
from portline.common.errors import ApplicationError
from tests.appointments.test_services import NOW, _confirm_all, _offer

pytestmark = pytest.mark.django_db
DOB = dt.date(1990, 5, 17)


@pytest.fixture
def confirmed():
    with freeze_time(NOW):
        _round, (appointment,) = _offer(people=(2,))
        return _confirm_all(appointment)


def test_qr_token_verifies_a_confirmed_appointment(confirmed):
    token = appointment_token(confirmed)
    with freeze_time("2026-12-06T20:00:00Z"):  # the day itself, at the port
        assert appointment_token_verify(token) == confirmed
    with freeze_time("2026-12-07T09:00:00Z"), pytest.raises(ApplicationError) as info:
        appointment_token_verify(token)
    assert info.value.code == "past"


def _code(token):
    with freeze_time(NOW), pytest.raises(ApplicationError) as info:
        appointment_token_verify(token)
    return info.value.code


def test_forged_and_tampered_tokens_are_refused(confirmed):
    token = appointment_token(confirmed)
    assert _code("not-a-token") == "forged"
    assert _code("") == "forged"
    # Flip one character of the payload: the signature no longer matches.
    payload, _sep, rest = token.partition(":")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    assert _code(f"{flipped}:{rest}") == "forged"
    # Signed with another salt (another purpose) or another key: refused.
    assert (
        _code(
            signing.dumps(
                {"n": confirmed.confirmation_number, "p": "SYS", "d": "2026-12-06"}, salt="other"
            )
        )
        == "forged"
    )
    assert (
        _code(
            signing.dumps(
                {"n": confirmed.confirmation_number, "p": "SYS", "d": "2026-12-06"},
                key="k" * 50,
                salt=TOKEN_SALT,
            )
        )
        == "forged"
    )
    # Genuinely signed, but for another port or an unknown number.
    assert (
        _code(
            signing.dumps(
                {"n": confirmed.confirmation_number, "p": "BRO", "d": "2026-12-06"}, salt=TOKEN_SALT
            )
        )
        == "mismatch"
    )
    assert (
        _code(signing.dumps({"n": "ZZZZZZZZZZ", "p": "SYS", "d": "2026-12-06"}, salt=TOKEN_SALT))
        == "unknown"
    )


def test_token_of_an_unconfirmed_or_cancelled_appointment_is_refused():
    with freeze_time(NOW):
        _round, (appointment,) = _offer()
        token = appointment_token(appointment)
        assert _code(token) == "not_confirmed"
        services.appointment_cancel(actor=appointment.registration.owner, appointment=appointment)
        assert _code(token) == "cancelled"


def _pdf_text(content: bytes) -> bytes:
    text = content
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        # A stream's last byte may be a carriage return that the pattern took as the line
        # end: decompress what is there without insisting on the final checksum.
        try:
            text += zlib.decompressobj().decompress(stream)
        except zlib.error:
            pass
    return text


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_pdf_carries_the_confirmation_number_and_qr(confirmed, language):
    content = appointment_pdf(confirmed, language=language)
    assert content.startswith(b"%PDF-") and len(content) > 5000
    text = _pdf_text(content)
    assert confirmed.confirmation_number_display.encode() in text
    assert b"/Subtype /Image" in text  # the QR code
    assert b"DejaVu" in text  # the Unicode font is embedded (accents, Creole)


def test_third_party_check_says_yes_or_no_and_audits_without_personal_data(confirmed):
    number = confirmed.confirmation_number
    with freeze_time(NOW):
        assert services.appointment_verify_third_party(
            actor=None, confirmation_number=number, date_of_birth=DOB, client="10.0.0.1"
        )
        assert services.appointment_verify_third_party(
            actor=None,
            confirmation_number=confirmed.confirmation_number_display.lower(),
            date_of_birth=DOB,
        )
        assert not services.appointment_verify_third_party(
            actor=None, confirmation_number=number, date_of_birth=dt.date(1991, 5, 17)
        )
        assert not services.appointment_verify_third_party(
            actor=None, confirmation_number="ABCDE23456", date_of_birth=DOB
        )
    rows = list(AuditRecord.objects.filter(action="appointments.verification.check").order_by("id"))
    assert [r.data["valid"] for r in rows] == [True, True, False, False]
    for row in rows:
        blob = str(row.data)
        assert number not in blob and "1990" not in blob and "10.0.0.1" not in blob
        assert len(row.data["query_hash"]) == 64
    assert rows[0].data["query_hash"] == rows[1].data["query_hash"]  # same query, same hash


def test_third_party_check_is_no_for_an_offered_appointment():
    with freeze_time(NOW):
        _round, (appointment,) = _offer()
        assert not services.appointment_verify_third_party(
            actor=None, confirmation_number=appointment.confirmation_number, date_of_birth=DOB
        )


def test_times_are_named_by_the_port_not_the_zone(confirmed):
    from portline.appointments.selectors import appointment_local_times

    times = appointment_local_times(confirmed, "en")
    assert times["time"].endswith(f", {confirmed.port.name} time"), times
    assert times["confirm_by"].endswith(f", {confirmed.port.name} time"), times
    spanish = appointment_local_times(confirmed, "es")
    assert spanish["time"].endswith(f", hora de {confirmed.port.name}"), spanish
    assert "America/" not in str(times) + str(spanish)
