import datetime as dt

import pytest
from freezegun import freeze_time

from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, NotFound, ValidationFailed
from portline.inspection import selectors, services
from portline.inspection.engine import DueState
from portline.inspection.models import AddressChange, ReleaseCheckIn
from tests.factories import UserFactory, jpeg_bytes
from tests.factories.inspection import identity_checked, submitted_group

pytestmark = pytest.mark.django_db
START = "2025-06-05 19:00:00"  # Thursday, 12:00 in San Ysidro


@pytest.fixture
def released(officer, applicant):
    with freeze_time(START):
        person = submitted_group(1, owner=applicant)[0]
        services.walk_up_record(actor=officer, person=person)
        identity_checked(officer, person)
        return services.decision_record(
            actor=officer, person=person, kind="parole", reason_code="humanitarian"
        )


def test_check_in_keeps_selfie_and_location_as_given(released, applicant):
    with freeze_time("2025-07-01 18:00:00"):
        check_in = services.release_check_in(
            actor=applicant,
            decision=released,
            selfie=jpeg_bytes(),
            latitude="29.7604",
            longitude=-95.3698,
            accuracy_m=12.5,
        )
    assert (
        check_in.latitude == 29.7604
        and check_in.longitude == -95.3698
        and check_in.location_accuracy_m == 12.5
    )
    assert (
        check_in.selfie_content_type == "image/jpeg"
        and services.selfie_bytes(check_in) == jpeg_bytes()
    )
    assert AuditRecord.objects.filter(action="inspection.release.check_in").count() == 1


def test_check_in_without_selfie_or_location_is_fine(released, applicant):
    with freeze_time("2025-07-01 18:00:00"):
        check_in = services.release_check_in(actor=applicant, decision=released)
    assert check_in.latitude is None and not check_in.selfie


def test_double_check_in_on_one_day_is_refused(released, applicant):
    with freeze_time("2025-07-01 18:00:00"):
        services.release_check_in(actor=applicant, decision=released)
        with pytest.raises(Conflict):
            services.release_check_in(actor=applicant, decision=released)
    assert ReleaseCheckIn.objects.count() == 1


@pytest.mark.parametrize(
    ("lat", "lon", "selfie"),
    [(95, 0, None), ("north", 1, None), (10, None, None), (None, None, b"not an image")],
)
def test_bad_check_in_input_is_refused(released, applicant, lat, lon, selfie):
    with freeze_time("2025-07-01 18:00:00"), pytest.raises(ValidationFailed):
        services.release_check_in(
            actor=applicant, decision=released, latitude=lat, longitude=lon, selfie=selfie
        )
    assert not ReleaseCheckIn.objects.exists()


def test_someone_else_cannot_check_in_or_see_the_case(released):
    stranger = UserFactory()
    with freeze_time("2025-07-01 18:00:00"), pytest.raises(NotFound):
        services.release_check_in(actor=stranger, decision=released)
    with pytest.raises(NotFound):
        selectors.access_release_case(stranger, released.record_number)


def test_missed_check_in_appears_on_the_officers_overdue_list(
    released, applicant, officer, officer_bro
):
    with freeze_time("2025-07-04 18:00:00"):  # first due 2025-07-05: in its window
        services.release_check_in(actor=applicant, decision=released)
    with freeze_time("2025-08-12 18:00:00"):  # second due 2025-08-04 + 3 days grace has passed
        status = selectors.release_status(released)
        assert [i.state for i in status.schedule[:3]] == [
            DueState.DONE,
            DueState.OVERDUE,
            DueState.OPEN,
        ]
        assert [c.decision for c in selectors.overdue_cases(officer)] == [released]
        assert selectors.overdue_cases(officer)[0].due == dt.date(2025, 8, 4)
        assert selectors.overdue_cases(officer_bro) == []


def test_address_change_within_five_business_days_is_on_time(released, applicant):
    with freeze_time("2025-07-10 18:00:00"):  # moved Thursday 3 July; deadline Thursday 10 July
        change = services.address_change_report(
            actor=applicant,
            decision=released,
            moved_on=dt.date(2025, 7, 3),
            data={
                "line1": "5 Elm St",
                "city": "Dallas",
                "state": "tx",
                "zip_code": "75201",
            },
        )
    assert change.deadline == dt.date(2025, 7, 10) and not change.late
    assert selectors.current_address(released)["city"] == "Dallas"


def test_late_address_change_is_kept_and_marked_late(released, applicant):
    with freeze_time("2025-07-11 18:00:00"):
        change = services.address_change_report(
            actor=applicant,
            decision=released,
            moved_on=dt.date(2025, 7, 3),
            data={
                "line1": "5 Elm St",
                "city": "Dallas",
                "state": "TX",
                "zip_code": "75201",
            },
        )
    assert change.late
    with freeze_time("2025-08-11 18:00:00"):
        services.address_change_report(
            actor=applicant,
            decision=released,
            moved_on=dt.date(2025, 8, 8),
            data={
                "line1": "9 Oak Ave",
                "city": "Austin",
                "state": "TX",
                "zip_code": "78701",
            },
        )
    status = selectors.release_status(released, today=dt.date(2025, 8, 11))
    assert [c.city for c in status.address_changes] == ["Austin", "Dallas"] and status.address[
        "city"
    ] == "Austin"


@pytest.mark.parametrize(
    ("data", "moved_on", "field"),
    [
        (
            {"line1": "", "city": "Dallas", "state": "TX", "zip_code": "75201"},
            dt.date(2025, 7, 3),
            "line1",
        ),
        (
            {"line1": "x", "city": "Dallas", "state": "ZZ", "zip_code": "75201"},
            dt.date(2025, 7, 3),
            "state",
        ),
        (
            {"line1": "x", "city": "Dallas", "state": "TX", "zip_code": "7520"},
            dt.date(2025, 7, 3),
            "zip_code",
        ),
        (
            {"line1": "x", "city": "Dallas", "state": "TX", "zip_code": "75201"},
            dt.date(2025, 8, 3),
            "moved_on",
        ),
    ],
)
def test_bad_address_is_refused_and_nothing_changes(released, applicant, data, moved_on, field):
    with freeze_time("2025-07-10 18:00:00"), pytest.raises(ValidationFailed) as info:
        services.address_change_report(
            actor=applicant, decision=released, moved_on=moved_on, data=data
        )
    assert field in info.value.errors and not AddressChange.objects.exists()


def test_work_authorization_date_and_upcoming_expiry(released, officer, officer_bro):
    status = selectors.release_status(released, today=dt.date(2025, 6, 5))
    assert status.work_authorization_from == dt.date(2025, 11, 2)
    with freeze_time("2027-05-01 18:00:00"):
        assert list(selectors.upcoming_expiries(officer)) == [released]
        assert not selectors.upcoming_expiries(officer_bro).exists()
    with freeze_time("2026-01-01 18:00:00"):
        assert not selectors.upcoming_expiries(officer).exists()


def test_check_in_after_the_term_is_refused(released, applicant):
    with freeze_time("2027-06-06 18:00:00"), pytest.raises(ValidationFailed):
        services.release_check_in(actor=applicant, decision=released)


def test_overdue_list_follows_the_latest_due_date(released, applicant, officer):
    with freeze_time("2025-07-06 18:00:00"):  # due 2025-07-05, grace until 07-08: not yet overdue
        assert selectors.overdue_cases(officer) == []
    with freeze_time("2025-07-09 18:00:00"):
        assert [c.due for c in selectors.overdue_cases(officer)] == [dt.date(2025, 7, 5)]
        services.release_check_in(actor=applicant, decision=released)  # late: outside the window
    with freeze_time("2025-08-03 18:00:00"):  # next due 2025-08-04: the late check-in counts for it
        assert selectors.overdue_cases(officer)[0].due == dt.date(2025, 7, 5)
    with freeze_time("2025-08-10 18:00:00"):
        assert selectors.overdue_cases(officer) == []
    with freeze_time("2027-08-01 18:00:00"):  # the parole has ended: no longer followed
        assert selectors.overdue_cases(officer) == []
