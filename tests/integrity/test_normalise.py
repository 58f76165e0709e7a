"""Normalised keys: spellings of one thing are equal, different things are not."""

from __future__ import annotations

from portline.integrity import normalise


def test_address_variants_share_one_key():
    a = normalise.address_key("123 North Main Street", "Apt 4B", "Houston", "TX", "77001-1234")
    b = normalise.address_key("123 n. main st.", "#4b", "HOUSTON", "tx", "77001")
    c = normalise.address_key("123 N MAIN ST APT 4B", "", "houston", "TX", "77001")
    assert a == b == c
    assert a.startswith("77001|123|")


def test_different_unit_or_house_is_a_different_address():
    base = normalise.address_key("123 Main St", "Apt 4", "Houston", "TX", "77001")
    assert base != normalise.address_key("123 Main St", "Apt 5", "Houston", "TX", "77001")
    assert base != normalise.address_key("125 Main St", "Apt 4", "Houston", "TX", "77001")


def test_po_box_falls_back_to_a_plain_key():
    a = normalise.address_key("P.O. Box 55", "", "Dallas", "TX", "75001")
    b = normalise.address_key("PO BOX 55", "", "dallas", "TX", "75001-0001")
    assert a == b == "75001|55|PO BOX 55|"


def test_key_implies_block():
    key = normalise.address_key("0123 Main Street", "", "Houston", "TX", "77001")
    assert key.startswith(normalise.address_block("0123 Main Street", "77001") + "|")


def test_surnames_lose_accents_case_and_particles():
    assert normalise.surname_tokens("de la Cruz Pérez") == ("CRUZ", "PEREZ")
    assert normalise.family_key("GARCÍA lópez") == normalise.family_key("Garcia") == "GARCIA"


def test_phone_email_document_keys():
    assert normalise.phone_key("+52 (55) 1234-5678") == normalise.phone_key("5512345678")
    assert normalise.phone_key("123") == ""
    assert normalise.email_key("Ana.Lopez+x@Gmail.com") == normalise.email_key("analopez@gmail.com")
    assert normalise.email_key("not-an-email") == ""
    assert normalise.document_key("hn", "a-123 456") == normalise.document_key("HN", "A123456")
    assert normalise.document_key("HN", "12") == ""


def test_sponsor_key_prefers_the_phone():
    assert normalise.sponsor_key("John Smith", "+1 713 555 0100") == "tel:7135550100"
    assert normalise.sponsor_key("Smith, John", "") == normalise.sponsor_key("john smith", "")
    assert normalise.name_key("Dra. Ana López") == normalise.name_key("lopez ana")
