"""Supervisor pages for person linkage: the adjudication queue and a cluster with the
evidence of every link. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portline.accounts.models import Role
from portline.common.errors import ApplicationError, ValidationFailed
from portline.linkage import selectors, services
from portline.portals.officer.linkage_forms import AdjudicationForm
from portline.portals.officer.views import port_page


def supervisor_page(view):
    @port_page
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role != Role.SUPERVISOR:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _form_error(form: AdjudicationForm, exc: ApplicationError) -> None:
    if isinstance(exc, ValidationFailed) and exc.errors:
        for name, errors in exc.errors.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, str(error))
    else:
        form.add_error(None, str(exc.message))


@supervisor_page
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "officer/linkage_queue.html",
        {"run": selectors.latest_run(), "clusters": selectors.adjudication_queue(request.user)},
    )


def _cluster_page(request, cluster, form=None, link_form=None, status=200) -> HttpResponse:
    return render(
        request,
        "officer/linkage_cluster.html",
        {
            "view": selectors.cluster_view(request.user, cluster),
            "form": form or AdjudicationForm(),
            "link_form": link_form,
            "link_errors": [str(e) for errs in link_form[1].errors.values() for e in errs]
            if link_form
            else [],
        },
        status=status,
    )


@supervisor_page
@require_GET
def cluster(request: HttpRequest, cluster_id: int) -> HttpResponse:
    return _cluster_page(request, selectors.access_cluster(request.user, cluster_id))


@supervisor_page
@require_POST
def cluster_adjudicate(request: HttpRequest, cluster_id: int) -> HttpResponse:
    found = selectors.access_cluster(request.user, cluster_id)
    form = AdjudicationForm(request.POST)
    if form.is_valid():
        try:
            made = services.cluster_adjudicate(
                actor=request.user,
                cluster=found,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(count)s links decided.") % {"count": len(made)})
            return redirect("officer:linkage_cluster", cluster_id=found.pk)
    return _cluster_page(request, found, form=form, status=400 if form.errors else 200)


@supervisor_page
@require_POST
def link_adjudicate(request: HttpRequest, link_id: int) -> HttpResponse:
    link = selectors.access_link(request.user, link_id)
    form = AdjudicationForm(request.POST)
    if form.is_valid():
        try:
            services.link_adjudicate(
                actor=request.user,
                link=link,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("officer:linkage_cluster", cluster_id=link.cluster_id)
    return _cluster_page(request, link.cluster, link_form=(link.pk, form), status=400)
