"""Transport pages: the coordinator's day plan, boarding on a phone, manifests, and the
port officer's hand-over. Views parse input, call one service or selector, and render."""

from __future__ import annotations

import datetime as dt
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portline.common import clock
from portline.common.errors import ApplicationError, NotFound
from portline.portals.transport.forms import HandoverForm, PlanForm, PortDayForm
from portline.transport import manifest, selectors, services


def _guarded(allowed):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not allowed(request.user):
                raise Http404
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc.message)) from exc

        return wrapper

    return decorator


coordinator_page = _guarded(selectors.is_transport_coordinator)
port_page = _guarded(selectors.is_port_staff)


def _vehicle_rows(vehicles):
    return [
        {
            "vehicle": v,
            "departs": selectors.local_time(
                v.departs_at, v.route.departure_time_zone, v.route.departure_city
            ),
            "slot": selectors.local_time(v.slot_starts_at, v.port.time_zone, v.port.name),
        }
        for v in vehicles
    ]


@require_GET
@coordinator_page
def home(request: HttpRequest) -> HttpResponse:
    cities = selectors.departure_cities()
    data = request.GET if request.GET.get("departure_city") else None
    form = PlanForm(data, cities=cities, initial={"service_date": clock.now().date().isoformat()})
    plan = None
    vehicles: list = []
    if data is not None and form.is_valid():
        plan = selectors.plan_for(
            service_date=form.cleaned_data["service_date"],
            departure_city=form.cleaned_data["departure_city"],
        )
        if plan is not None:
            vehicles = _vehicle_rows(selectors.plan_vehicles(plan))
    return render(
        request,
        "transport/home.html",
        {"form": form, "plan": plan, "vehicles": vehicles, "cities": cities},
    )


@require_POST
@coordinator_page
def plan(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST, cities=selectors.departure_cities())
    if form.is_valid():
        try:
            outcome = services.transport_plan(
                actor=request.user,
                service_date=form.cleaned_data["service_date"],
                departure_city=form.cleaned_data["departure_city"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("Plan made: %(vehicles)s vehicles for %(people)s people.")
                % {"vehicles": len(outcome.result.vehicles), "people": outcome.result.people},
            )
            query = urlencode(
                {
                    "service_date": form.cleaned_data["service_date"].isoformat(),
                    "departure_city": form.cleaned_data["departure_city"],
                }
            )
            return redirect(f"{reverse('transport:home')}?{query}")
    return render(
        request,
        "transport/home.html",
        {"form": form, "plan": None, "vehicles": [], "cities": selectors.departure_cities()},
        status=422,
    )


def _vehicle_context(vehicle):
    return {
        "vehicle": vehicle,
        "entries": selectors.vehicle_manifest(vehicle),
        "differences": selectors.vehicle_differences(vehicle),
        "departs": selectors.local_time(
            vehicle.departs_at, vehicle.route.departure_time_zone, vehicle.route.departure_city
        ),
        "slot": selectors.local_time(
            vehicle.slot_starts_at, vehicle.port.time_zone, vehicle.port.name
        ),
    }


@require_GET
@coordinator_page
def vehicle(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    found = selectors.access_vehicle(request.user, vehicle_id)
    return render(request, "transport/vehicle.html", _vehicle_context(found))


@require_POST
@coordinator_page
def board(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    try:
        person_id = int(request.POST.get("person", ""))
    except ValueError:
        person_id = 0
    try:
        entry = services.boarding_check(
            actor=request.user, vehicle_id=vehicle_id, person_id=person_id
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        found = selectors.access_vehicle(request.user, vehicle_id)
        context = _vehicle_context(found) | {"error": str(exc.message)}
        return render(request, "transport/vehicle.html", context, status=422)
    messages.success(
        request, _("%(name)s is checked off as boarded.") % {"name": entry.person.full_name}
    )
    return redirect("transport:vehicle", vehicle_id=vehicle_id)


@require_GET
@coordinator_page
def manifest_pdf(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    found = selectors.access_vehicle(request.user, vehicle_id)
    response = HttpResponse(manifest.manifest_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{manifest.manifest_filename(found, "pdf")}"'
    )
    return response


@require_GET
@coordinator_page
def manifest_csv(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    found = selectors.access_vehicle(request.user, vehicle_id)
    response = HttpResponse(manifest.manifest_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{manifest.manifest_filename(found, "csv")}"'
    )
    return response


@require_GET
@port_page
def port_home(request: HttpRequest) -> HttpResponse:
    form = PortDayForm(request.GET if request.GET.get("service_date") else None)
    day: dt.date = clock.now().date()
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["service_date"]
    elif not form.is_bound:
        form = PortDayForm(initial={"service_date": day.isoformat()})
    vehicles = _vehicle_rows(selectors.vehicles_for_port(request.user, day))
    return render(
        request, "transport/port_home.html", {"form": form, "vehicles": vehicles, "day": day}
    )


@require_http_methods(["GET", "POST"])
@port_page
def handover(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    found = selectors.access_vehicle(request.user, vehicle_id)
    context = _vehicle_context(found)
    form = HandoverForm(
        request.POST if request.method == "POST" else None, entries=context["entries"]
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                differences = services.vehicle_hand_over(
                    actor=request.user,
                    vehicle_id=found.pk,
                    present=form.present_ids(),
                    different=form.different(),
                    extra_names=form.extras(),
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                if differences:
                    messages.warning(
                        request,
                        _("Vehicle acknowledged with %(count)s differences flagged.")
                        % {"count": len(differences)},
                    )
                else:
                    messages.success(request, _("Vehicle acknowledged: everyone is here."))
                return redirect("transport:handover", vehicle_id=found.pk)
        status = 422
    context["form"] = form
    return render(request, "transport/handover.html", context, status=status)
