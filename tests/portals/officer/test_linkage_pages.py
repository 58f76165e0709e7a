"""Supervisor pages for person linkage."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portline.accounts.models import Role
from portline.linkage import services
from portline.linkage.models import LinkAdjudication, RecordLink
from portline.scheduling.models import Port
from tests.conftest import verified_login
from tests.factories.inspection import port_staff
from tests.factories.screening import person_at_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    port = Port.objects.get(code="SYS")
    person_at_port(port, given_names="María José", family_names="García López")
    person_at_port(port, given_names="Maria Jose", family_names="Garcia")
    return services.linkage_run(actor=None)


def test_supervisor_reads_the_evidence_and_decides(client, run):
    verified_login(client, port_staff(role=Role.SUPERVISOR))
    queue = client.get(reverse("officer:linkage_queue"))
    assert queue.status_code == 200
    cluster = run.clusters.get()
    page_url = reverse("officer:linkage_cluster", args=[cluster.pk])
    assert page_url in queue.content.decode()
    page = client.get(page_url).content.decode()
    assert "María José García López" in page and "Maria Jose Garcia" in page
    assert "date of birth" in page and "the same" in page
    link = RecordLink.objects.get(run=run)
    url = reverse("officer:linkage_link_adjudicate", args=[link.pk])
    refused = client.post(url, {"decision": "confirmed", "reason": ""})
    assert refused.status_code == 400 and not LinkAdjudication.objects.exists()
    done = client.post(url, {"decision": "confirmed", "reason": "Same passport number"})
    assert done.status_code == 302
    again = client.post(url, {"decision": "confirmed", "reason": "Same passport number"})
    assert again.status_code == 400
    assert "already confirmed" in again.content.decode()
    assert LinkAdjudication.objects.count() == 1
    group = client.post(
        reverse("officer:linkage_cluster_adjudicate", args=[cluster.pk]),
        {"decision": "rejected", "reason": "whole group"},
    )
    assert group.status_code == 400  # nothing left to decide in a two-record group
    assert client.get(reverse("officer:linkage_queue")).context["clusters"] == []


def test_pages_are_in_spanish(client, run):
    verified_login(client, port_staff(role=Role.SUPERVISOR))
    page = client.get(reverse("officer:linkage_queue"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Posibles personas duplicadas" in page.content.decode()


@pytest.mark.parametrize("role", [Role.OFFICER])
def test_officers_and_other_ports_see_nothing(client, run, role):
    cluster = run.clusters.get()
    verified_login(client, port_staff(role=role))
    assert client.get(reverse("officer:linkage_queue")).status_code == 404
    client.logout()
    verified_login(client, port_staff("BRO", role=Role.SUPERVISOR))
    assert client.get(reverse("officer:linkage_cluster", args=[cluster.pk])).status_code == 404
    link = RecordLink.objects.get(run=run)
    post = client.post(
        reverse("officer:linkage_link_adjudicate", args=[link.pk]),
        {"decision": "rejected", "reason": "not mine to say"},
    )
    assert post.status_code == 404 and not LinkAdjudication.objects.exists()
