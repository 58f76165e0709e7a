from django.urls import path

from portline.portals.applicant import views
from portline.portals.officer import views as release_views

app_name = "applicant"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.registration_start, name="start"),
    path("r/<str:reference>/", views.review, name="review"),
    path("r/<str:reference>/group/", views.group, name="group"),
    path("r/<str:reference>/people/", views.people, name="people"),
    path("r/<str:reference>/people/add/", views.person_new, name="person_new"),
    path("r/<str:reference>/people/<int:position>/", views.person_edit, name="person"),
    path(
        "r/<str:reference>/people/<int:position>/remove/", views.person_delete, name="person_remove"
    ),
    path("r/<str:reference>/documents/", views.evidence, name="evidence"),
    path(
        "r/<str:reference>/documents/<int:evidence_id>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path(
        "r/<str:reference>/documents/<int:evidence_id>/delete/",
        views.evidence_remove,
        name="evidence_remove",
    ),
    path("r/<str:reference>/request/", views.request_appointment, name="request"),
    path("organizations/", views.organizations, name="organizations"),
    path(
        "organizations/<int:consent_id>/withdraw/",
        views.organization_withdraw,
        name="organization_withdraw",
    ),
    # After release: the person's parole, check-ins and address changes.
    path("check-ins/", release_views.release_home, name="check_ins"),
    path("check-ins/<str:record_number>/", release_views.release_case, name="check_in"),
]
