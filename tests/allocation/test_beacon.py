"""Beacon targets and the drand signature check, on a real drand mainnet round."""

import datetime as dt

import pytest

from portline.allocation import beacon, services
from portline.allocation.models import Round
from portline.common.errors import ApplicationError, ValidationFailed
from tests.factories.allocation import RequestSpec, make_requests

# drand mainnet ("default" chain), round 1337, as published by the League of Entropy.
ROUND = 1337
PREVIOUS = (
    "80d95247ddf1bb3acf5738497a5f10406be283144603f63d714bb1a44ff6b93285ae2697fffeb50c68862bd9fbecd4b204b1798d"
    "2686b4ac5d573615031d9d67e6168bde9a7adf1161430a498ca701a25c216aee3e38ffd5290369034fa050a2"
)
SIGNATURE = (
    "945b08dcb30e24da281ccf14a646f0630ceec515af5c5895e18cc1b19edd65d156b71c776a369af3487f1bc6af1062500b059e01"
    "095cc0eedce91713977d7735cac675554edfa0d0481bb991ed93d333d08286192c05bf6b65d20f23a37fc7bb"
)
RANDOMNESS = "2660664f8d4bc401194d80d81da20a1e79480f65b8e2d205aecbd143b5bfb0d3"


def test_drand_round_timing():
    assert beacon.drand_round_at(beacon.DRAND_GENESIS) == 1
    assert beacon.drand_round_time(ROUND) == beacon.DRAND_GENESIS + dt.timedelta(
        seconds=30 * (ROUND - 1)
    )
    frozen = dt.datetime(2026, 11, 21, 17, 0, 7, tzinfo=dt.UTC)
    target, when = beacon.beacon_target("drand", frozen)
    assert when >= frozen + beacon.BEACON_MARGIN and when - (
        frozen + beacon.BEACON_MARGIN
    ) < dt.timedelta(seconds=30)
    assert beacon.drand_round_time(int(target)) == when
    target, when = beacon.beacon_target("nist", frozen)
    assert target == "2026-11-21T17:03:00Z"


def test_randomness_is_sha256_of_the_signature():
    assert beacon.drand_randomness(SIGNATURE) == RANDOMNESS


def test_real_drand_signature_verifies_and_a_wrong_round_does_not():
    assert beacon.drand_signature_valid(
        round_number=ROUND, signature_hex=SIGNATURE, previous_signature_hex=PREVIOUS
    )
    assert not beacon.drand_signature_valid(
        round_number=ROUND + 1, signature_hex=SIGNATURE, previous_signature_hex=PREVIOUS
    )
    assert not beacon.drand_signature_valid(
        round_number=ROUND, signature_hex="00" * 96, previous_signature_hex=PREVIOUS
    )


@pytest.mark.django_db
def test_entering_a_signed_drand_value_checks_it(round_date, admin_user):
    make_requests(round_date, [RequestSpec()])
    services.round_freeze(actor=admin_user, round_date=round_date)
    # As if frozen in July 2020, just before round 1337 (the commitment is made again to match).
    round_obj = Round.objects.get(round_date=round_date)
    round_obj.beacon_round = str(ROUND)
    round_obj.frozen_at = beacon.drand_round_time(ROUND) - dt.timedelta(seconds=150)
    commitment = services.round_commitment(round_obj)
    Round.objects.filter(pk=round_obj.pk).update(
        beacon_round=str(ROUND),
        frozen_at=round_obj.frozen_at,
        commitment=commitment,
        input_digest=commitment,
    )
    with pytest.raises(ValidationFailed):  # value and signature disagree
        services.round_beacon_set(
            actor=admin_user,
            round_date=round_date,
            value="ab" * 32,
            signature=SIGNATURE,
            previous_signature=PREVIOUS,
        )
    with pytest.raises(ValidationFailed):  # a signature of another round
        services.round_beacon_set(
            actor=admin_user,
            round_date=round_date,
            value=RANDOMNESS,
            signature=SIGNATURE,
            previous_signature=SIGNATURE,
        )
    seeded = services.round_beacon_set(
        actor=admin_user,
        round_date=round_date,
        value=RANDOMNESS,
        signature=SIGNATURE,
        previous_signature=PREVIOUS,
    )
    assert seeded.beacon_verified


@pytest.mark.django_db
def test_a_beacon_round_published_before_freeze_plus_delay_is_refused(round_date, admin_user):
    make_requests(round_date, [RequestSpec()])
    services.round_freeze(actor=admin_user, round_date=round_date)
    round_obj = Round.objects.get(round_date=round_date)
    # A round published 60 s after freeze (the stated delay is 120 s), committed as such.
    round_obj.beacon_round = str(
        beacon.drand_round_at(round_obj.frozen_at + dt.timedelta(seconds=60))
    )
    commitment = services.round_commitment(round_obj)
    Round.objects.filter(pk=round_obj.pk).update(
        beacon_round=round_obj.beacon_round, commitment=commitment, input_digest=commitment
    )
    with pytest.raises(ValidationFailed):
        services.round_beacon_set(
            actor=admin_user,
            round_date=round_date,
            value=RANDOMNESS,
            beacon_round=round_obj.beacon_round,
        )
    assert Round.objects.get(pk=round_obj.pk).status == "frozen"


@pytest.mark.django_db
def test_parameters_changed_after_freeze_are_refused_at_the_beacon_step(round_date, admin_user):
    make_requests(round_date, [RequestSpec()])
    round_obj = services.round_freeze(
        actor=admin_user, round_date=round_date, beacon_source="local"
    )
    capacities = dict(round_obj.capacities, SYS=round_obj.capacities["SYS"] - 3)
    capacities["BRO"] += 3
    Round.objects.filter(pk=round_obj.pk).update(capacities=capacities)
    with pytest.raises(ApplicationError, match="commitment"):
        services.round_beacon_set(
            actor=admin_user, round_date=round_date, value="ab" * 32, local=True
        )
