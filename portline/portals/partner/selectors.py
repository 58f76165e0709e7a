"""The partner's list of registrations: scoped by registrations_visible_to, with what staff need
to find a person (reference, main applicant's name, group size) and where each one stands."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from portline.accounts.models import User
from portline.registrations.models import AppointmentRequest, Person, Registration
from portline.registrations.selectors import registrations_visible_to


def partner_registrations_list(*, actor: User, query: str = "") -> QuerySet[Registration]:
    latest = AppointmentRequest.objects.filter(registration=OuterRef("pk")).order_by(
        "-round_date", "-id"
    )
    main = Person.objects.filter(registration=OuterRef("pk")).order_by("position")
    size = (
        Person.objects.filter(registration=OuterRef("pk"))
        .order_by()
        .values("registration")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = registrations_visible_to(actor).annotate(
        latest_request_status=Subquery(latest.values("status")[:1]),
        latest_request_date=Subquery(latest.values("round_date")[:1]),
        main_given_names=Subquery(main.values("given_names")[:1]),
        main_family_names=Subquery(main.values("family_names")[:1]),
        people_count=Coalesce(Subquery(size, output_field=IntegerField()), Value(0)),
    )
    query = (query or "").strip()
    if query:
        named = Person.objects.filter(
            Q(given_names__icontains=query) | Q(family_names__icontains=query)
        )
        qs = qs.filter(Q(reference__iexact=query) | Q(pk__in=named.values("registration_id")))
    return qs.order_by("-created_at", "-id")
