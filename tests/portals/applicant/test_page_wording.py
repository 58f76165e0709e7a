"""Wording that must not mislead: what is missing is named, the required contact is said, and
the authenticator page says when one is already set up."""

from __future__ import annotations

from django.urls import reverse

from portline.registrations.models import Person
from tests.portals.applicant.conftest import make_registration


def test_the_people_page_names_what_is_missing(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    Person.objects.filter(registration=registration).update(eye_colour="", phone="", email="")
    html = applicant_client.get(
        reverse("applicant:people", args=[registration.reference])
    ).content.decode()
    assert "Missing:" in html and "eye colour" in html and "a phone or e-mail" in html


def test_the_contact_fields_say_one_is_required(applicant_client, applicant):
    registration = make_registration(applicant, people=1)
    html = applicant_client.get(
        reverse("applicant:person", args=[registration.reference, 1])
    ).content.decode()
    assert '<label for="id_phone">Phone</label>' in html
    assert '<label for="id_email">E-mail</label>' in html
    assert "at least one is required to submit" in html


def test_the_authenticator_page_says_when_one_is_already_set_up(applicant_client, applicant):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    before = TOTPDevice.objects.filter(user=applicant).count()
    html = applicant_client.get(reverse("accounts:setup")).content.decode()
    assert "An authenticator is already set up for this account" in html
    assert "?replace=1" in html
    assert TOTPDevice.objects.filter(user=applicant).count() == before  # nothing started
    replacing = applicant_client.get(reverse("accounts:setup") + "?replace=1").content.decode()
    assert "Key to type into the app" in replacing
