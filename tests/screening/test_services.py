"""Screening runs, adjudication, the per-process index cache, and the command line."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import translation

from portline import cli
from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portline.scheduling.models import Port
from portline.screening import index_cache
from portline.screening.display import explanation_lines
from portline.screening.models import HitStatus, ScreeningRun, ScreeningTrigger, Watchlist
from portline.screening.selectors import access_hit, hits_open_for_person
from portline.screening.services import (
    hit_adjudicate,
    screening_run_for_person,
    screening_run_for_query,
)
from tests.factories import UserFactory
from tests.factories.screening import person_at_port, watchlist_with

pytestmark = pytest.mark.django_db

ROWS = [
    {
        "name": "José Luis García López",
        "aliases": "Pepe García",
        "dates_of_birth": "1980-05-17",
        "nationalities": "MX",
        "reason": "Arrest warrant",
        "external_id": "W-1",
    },
    {
        "name": "José Luis García López",
        "dates_of_birth": "1951-01-01",
        "nationalities": "MX",
        "reason": "Namesake, older",
        "external_id": "W-2",
    },
    {
        "name": "Aleksandr Ivanov",
        "dates_of_birth": "1970",
        "nationalities": "RU",
        "reason": "Interpol notice",
        "external_id": "W-3",
    },
]


@pytest.fixture
def port():
    return Port.objects.get(code="SYS")


@pytest.fixture
def officer(port):
    return UserFactory(role=Role.OFFICER, port=port)


@pytest.fixture
def supervisor(port):
    return UserFactory(role=Role.SUPERVISOR, port=port)


@pytest.fixture
def listed(port):
    watchlist_with("warrants", ROWS)
    return person_at_port(
        port,
        given_names="Jose Luis",
        family_names="Garcia Lopez",
        date_of_birth=dt.date(1980, 5, 17),
        nationality="MX",
    )


def test_screening_a_person_stores_ranked_hits_and_audits(officer, listed):
    run = screening_run_for_person(actor=officer, person=listed, trigger=ScreeningTrigger.CHECK_IN)
    hits = list(run.hits.order_by("rank"))
    assert [h.entry.external_id for h in hits] == ["W-1"]  # W-2's date of birth conflicts
    assert hits[0].status == HitStatus.OPEN and hits[0].score >= 95
    assert run.lists == {"warrants": {"version": 1, "digest": run.lists["warrants"]["digest"]}}
    assert (run.person, run.actor, run.hit_count, run.query_date_of_birth) == (
        listed,
        officer,
        1,
        "1980-05-17",
    )
    record = AuditRecord.objects.get(action="screening.run.create")
    assert record.target_id == str(run.pk) and record.data["hits"] == 1
    assert list(hits_open_for_person(officer, listed)) == hits


def test_a_clean_person_gets_a_run_without_hits(officer, port):
    watchlist_with("warrants", ROWS)
    person = person_at_port(
        port, given_names="Marisol", family_names="Quintero Vega", date_of_birth=dt.date(1999, 1, 1)
    )
    run = screening_run_for_person(actor=officer, person=person)
    assert run.hit_count == 0 and not run.hits.exists()


def test_only_port_staff_who_see_the_person_may_screen(listed):
    with pytest.raises(PermissionDenied):
        screening_run_for_person(actor=UserFactory(role=Role.APPLICANT), person=listed)
    with pytest.raises(PermissionDenied):
        screening_run_for_person(actor=UserFactory(role=Role.ANALYST), person=listed)
    other_port = Port.objects.exclude(code="SYS").first()
    with pytest.raises(NotFound):
        screening_run_for_person(
            actor=UserFactory(role=Role.OFFICER, port=other_port), person=listed
        )
    assert not ScreeningRun.objects.exists()


def test_adjudication_needs_a_reason_and_a_port_role(officer, supervisor, listed):
    hit = screening_run_for_person(actor=officer, person=listed).hits.get()
    with pytest.raises(ValidationFailed):
        hit_adjudicate(actor=officer, hit=hit, decision=HitStatus.FALSE_MATCH, reason="  ")
    with pytest.raises(ValidationFailed):
        hit_adjudicate(
            actor=officer, hit=hit, decision="maybe", reason="Different person, checked ID"
        )
    with pytest.raises(PermissionDenied):
        hit_adjudicate(
            actor=UserFactory(role=Role.PROGRAM_ADMIN),
            hit=hit,
            decision=HitStatus.FALSE_MATCH,
            reason="Different person",
        )
    other = UserFactory(role=Role.OFFICER, port=Port.objects.exclude(code="SYS").first())
    with pytest.raises(NotFound):
        hit_adjudicate(
            actor=other, hit=hit, decision=HitStatus.FALSE_MATCH, reason="Different person"
        )
    hit = hit_adjudicate(
        actor=officer,
        hit=hit,
        decision=HitStatus.FALSE_MATCH,
        reason="Passport shows another father's name",
    )
    assert (hit.status, hit.adjudicated_by, hit.reason) == (
        HitStatus.FALSE_MATCH,
        officer,
        "Passport shows another father's name",
    )
    assert hit.adjudicated_at is not None
    with pytest.raises(Conflict):
        hit_adjudicate(
            actor=officer, hit=hit, decision=HitStatus.TRUE_MATCH, reason="Changed my mind"
        )
    hit = hit_adjudicate(
        actor=supervisor,
        hit=hit,
        decision=HitStatus.TRUE_MATCH,
        reason="Fingerprint record confirms",
    )
    assert hit.status == HitStatus.TRUE_MATCH
    actions = list(
        AuditRecord.objects.filter(
            target_id=str(hit.pk), action__startswith="screening.hit"
        ).values_list("action", flat=True)
    )
    assert sorted(actions) == ["screening.hit.adjudicate", "screening.hit.override"]
    assert access_hit(supervisor, hit.pk) == hit
    with pytest.raises(NotFound):
        access_hit(other, hit.pk)


def test_the_index_is_rebuilt_when_a_list_changes(officer):
    watchlist_with("warrants", ROWS)
    first, info = index_cache.active_index()
    assert index_cache.active_index()[0] is first and info["warrants"]["version"] == 1
    watchlist_with("warrants", [*ROWS, {"name": "Rosa Vega Ruiz", "dates_of_birth": "1990"}])
    second, info = index_cache.active_index()
    assert second is not first and len(second) == 4 and info["warrants"]["version"] == 2
    watchlist_with("other", [{"name": "Eva Díaz Mora"}])
    third, info = index_cache.active_index()
    assert len(third) == 5 and set(info) == {"warrants", "other"}
    run = screening_run_for_query(actor=officer, name="Eva Diaz Mora")
    assert run.hits.get().entry.watchlist.name == "other"
    Watchlist.objects.filter(name="other").update(is_active=False)  # switched off: not screened
    assert screening_run_for_query(actor=officer, name="Eva Diaz Mora").hit_count == 0


def test_explanations_read_as_sentences(officer, listed):
    hit = screening_run_for_person(actor=officer, person=listed).hits.get()
    lines = explanation_lines(hit.explanation)
    assert lines[0].startswith("Score ")
    assert "“Jose” ~ “José”: same without accents." in lines
    assert "Date of birth matches (1980-05-17)." in lines and "Nationality matches (MX)." in lines
    with translation.override("es"):
        assert "La fecha de nacimiento coincide (1980-05-17)." in explanation_lines(hit.explanation)
    with translation.override("ht"):
        assert "Dat nesans lan koresponn (1980-05-17)." in explanation_lines(hit.explanation)


def test_screen_command_prints_ranked_hits_with_reasons(capsys):
    watchlist_with("warrants", ROWS)
    # `portline screen ...` reaches the `screen` command (cli.main itself closes the
    # database connections when a command ends, so the test calls the command directly).
    assert cli.ALIASES["screen"][0] == "screen"
    call_command("screen", "Pepe Garcia", "--dob", "1980-05-17", "--nationality", "mx")
    out = capsys.readouterr().out
    assert "1. [" in out and "José Luis García López — warrants #W-1" in out
    assert (
        "Listed for: Arrest warrant" in out and "matched on the list's alias “Pepe García”" in out
    )
    assert "#W-2" not in out  # its date of birth conflicts
    assert ScreeningRun.objects.get().trigger == ScreeningTrigger.COMMAND_LINE
    call_command("screen", "Александр Иванов", "--dob", "1970-06-01", "--dry-run")
    out = capsys.readouterr().out
    assert "Aleksandr Ivanov — warrants #W-3" in out and "same after transliteration" in out
    call_command("screen", "Paco Ivanov", "--dob", "1970", "--min-score", "0")
    assert "nickname" not in capsys.readouterr().out  # Paco is Francisco, not Aleksandr
    call_command("screen", "Sasha Ivanov", "--dob", "1970", "--dry-run")
    assert "“Sasha” ~ “Aleksandr”: nickname." in capsys.readouterr().out
    assert ScreeningRun.objects.count() == 1
    call_command("screen", "Nobody Atall")
    assert "No hits." in capsys.readouterr().out


def test_a_hit_in_another_script_keeps_both_forms_and_the_scheme(officer, port):
    """Issue 15, point 4: the stored explanation shows the officer both forms and the scheme."""
    watchlist_with(
        "sanctions",
        [{"name": "Nikita Khrushchev", "dates_of_birth": "1954-04-15", "external_id": "S-1"}],
    )
    person = person_at_port(
        port,
        given_names="Никита",
        family_names="Хрущёв",
        date_of_birth=dt.date(1954, 4, 15),
        nationality="RU",
    )
    hit = screening_run_for_person(actor=officer, person=person).hits.get()
    with translation.override("en"):
        lines = explanation_lines(hit.explanation)
    assert "“Хрущёв” ~ “Khrushchev”: same after transliteration." in lines
    assert "“Хрущёв” is read as “khrushchev” (BGN/PCGN (ICU))." in lines
