"""Linkage runs over the database, and the supervisors' adjudications."""

from __future__ import annotations

import datetime as dt

import pytest

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, PermissionDenied, ValidationFailed
from portline.linkage import selectors, services
from portline.linkage.models import LinkAdjudication, RecordLink
from portline.scheduling.models import Port
from tests.factories.inspection import photo_for, port_staff
from tests.factories.screening import person_at_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def port():
    return Port.objects.get(code="SYS")


@pytest.fixture
def supervisor():
    return port_staff(role=Role.SUPERVISOR)


@pytest.fixture
def planted(port):
    """One person registered twice (name spelt without accents, day and month swapped, the
    same phone) and a stranger."""
    first = person_at_port(port, given_names="María José", family_names="García López")
    again = person_at_port(
        port,
        given_names="Maria Jose",
        family_names="Garcia",
        phone="+52 55 1234 5678",
    )
    stranger = person_at_port(
        port,
        given_names="Pedro",
        family_names="Ruiz Mejía",
        date_of_birth=dt.date(1971, 1, 9),
        phone="+525599999999",
        city_of_birth="San Pedro Sula",
    )
    stranger.registration.us_address_line1 = "9 Elm Rd"
    stranger.registration.us_zip = "75201"
    stranger.registration.save()
    return first, again, stranger


def _keys(*people):
    return sorted(selectors.person_key(p.pk) for p in people)


def test_run_links_one_person_with_evidence(planted, supervisor):
    first, again, stranger = planted
    run = services.linkage_run(actor=None)
    assert run.record_count >= 3 and run.finished_at is not None
    [cluster] = run.clusters.all()
    assert sorted(cluster.members.values_list("record_key", flat=True)) == _keys(first, again)
    [link] = RecordLink.objects.filter(run=run)
    assert link.probability >= 0.9
    found = {e["comparison"] for e in link.evidence}
    assert {"given_1", "surname_1", "dob", "phone_fp", "address"} <= found
    assert AuditRecord.objects.filter(action="linkage.run.complete", target_id=str(run.pk)).exists()
    # The case file's selector and the scan's (actor=None) both see it.
    [seen] = selectors.clusters_for_registration(actor=supervisor, registration=first.registration)
    assert seen.cluster == cluster and seen.links[0].evidence
    assert selectors.clusters_for_registration(actor=None, registration=again.registration)
    assert selectors.clusters_for_registration(actor=None, registration=stranger.registration) == []


def test_rejected_pair_never_relinks_and_confirmed_pair_stays(planted, supervisor):
    first, _again, stranger = planted
    run = services.linkage_run(actor=None)
    link = RecordLink.objects.get(run=run)
    services.link_adjudicate(
        actor=supervisor, link=link, decision="rejected", reason="Different mothers' names"
    )
    rerun = services.linkage_run(actor=None)
    assert rerun.clusters.count() == 0
    # A supervisor's confirmation of a pair the model would not link is kept too.
    LinkAdjudication.objects.create(
        left_key=_keys(first, stranger)[0],
        right_key=_keys(first, stranger)[1],
        decision="confirmed",
        reason="Same passport photo",
        decided_by=supervisor,
    )
    third = services.linkage_run(actor=None)
    [kept] = third.clusters.all()
    assert sorted(kept.members.values_list("record_key", flat=True)) == _keys(first, stranger)
    assert kept.min_probability == 1.0


def test_a_link_decided_twice_is_refused(planted, supervisor):
    run = services.linkage_run(actor=None)
    link = RecordLink.objects.get(run=run)
    services.link_adjudicate(actor=supervisor, link=link, decision="confirmed", reason="Same CURP")
    audits = AuditRecord.objects.count()
    with pytest.raises(Conflict, match="already confirmed"):
        services.link_adjudicate(actor=supervisor, link=link, decision="confirmed", reason="Again!")
    with pytest.raises(Conflict):
        services.cluster_adjudicate(
            actor=supervisor, cluster=link.cluster, decision="confirmed", reason="Whole group"
        )
    assert AuditRecord.objects.count() == audits
    # The confirmation survives a rerun.
    again = services.linkage_run(actor=None)
    assert again.clusters.count() == 1


def test_refused_adjudications_store_nothing(planted, port):
    run = services.linkage_run(actor=None)
    link = RecordLink.objects.get(run=run)
    officer = port_staff(role=Role.OFFICER)
    supervisor = port_staff(role=Role.SUPERVISOR)
    audits = AuditRecord.objects.count()
    with pytest.raises(PermissionDenied):
        services.link_adjudicate(actor=officer, link=link, decision="confirmed", reason="yes sure")
    with pytest.raises(ValidationFailed):
        services.link_adjudicate(actor=supervisor, link=link, decision="confirmed", reason=" ")
    with pytest.raises(ValidationFailed):
        services.link_adjudicate(actor=supervisor, link=link, decision="maybe", reason="no idea")
    with pytest.raises(PermissionDenied):
        services.linkage_run(actor=officer)
    assert LinkAdjudication.objects.count() == 0
    assert AuditRecord.objects.count() == audits


def test_cluster_rejection_rejects_every_pair(planted, supervisor):
    run = services.linkage_run(actor=None)
    cluster = run.clusters.get()
    made = services.cluster_adjudicate(
        actor=supervisor, cluster=cluster, decision="rejected", reason="Twins, two passports"
    )
    assert [m.decision for m in made] == ["rejected"]
    assert AuditRecord.objects.filter(action="linkage.cluster.reject").count() == 1
    assert services.linkage_run(actor=None).clusters.count() == 0


def test_photo_fingerprint_links_records(port, supervisor):
    a = person_at_port(port, given_names="Jean", family_names="Pierre", phone="")
    b = person_at_port(
        port,
        given_names="Wilner",
        family_names="Joseph",
        date_of_birth=dt.date(1988, 1, 2),
        phone="",
    )
    photo_for(a)
    photo_for(b)
    records, _refs = selectors.linkage_records()
    hashes = {r["unique_id"]: r["photo_hash"] for r in records}
    assert hashes[selectors.person_key(a.pk)] == hashes[selectors.person_key(b.pk)] is not None


def test_console_command_runs_a_linkage(planted):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("linkage_run", "--no-train", stdout=out)
    assert "1 clusters" in out.getvalue() and "(duckdb)" in out.getvalue()


def test_the_run_reads_the_records_column_wise_as_row_by_row(planted, supervisor, port):
    from portline.linkage import engine
    from tests.factories import UserFactory

    first, _again, _stranger = planted
    photo_for(first)
    UserFactory(display_name="Ana Lucía Ruiz", phone="+52 55 7777 1234")
    table, refs = selectors.linkage_table()
    records, expected_refs = selectors.linkage_records()
    assert refs == expected_refs
    assert table.equals(engine.records_table(records))
    assert any(r["photo_hash"] for r in records) and any(k.startswith("a") for k in refs)
