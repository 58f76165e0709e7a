from django.urls import path
from django.views.generic import RedirectView

from portline.portals.officer import integrity_views, linkage_views, views

app_name = "officer"
urlpatterns = [
    path("", views.home, name="home"),
    path("check-in/", views.check_in, name="check_in"),
    path("appointments/<str:number>/", views.group, name="group"),
    path("walk-up/", views.walk_up, name="walk_up"),
    path("people/<str:reference>/<int:position>/", views.case, name="case"),
    path("people/<str:reference>/<int:position>/identity/", views.identity, name="identity"),
    path("people/<str:reference>/<int:position>/screen/", views.screen, name="screen"),
    path("people/<str:reference>/<int:position>/hits/<int:hit_id>/", views.hit, name="hit"),
    path("people/<str:reference>/<int:position>/decision/", views.decide, name="decide"),
    path("approvals/", views.approvals, name="approvals"),
    path("decisions/<int:decision_id>/review/", views.review, name="review"),
    path("decisions/<int:decision_id>/document.pdf", views.document, name="document"),
    path("evidence/<int:evidence_id>/", views.evidence, name="evidence"),
    path(
        "confirmation-photos/<int:confirmation_id>/",
        views.confirmation_photo,
        name="confirmation_photo",
    ),
    path("integrity/", integrity_views.flag_queue, name="integrity_queue"),
    path("integrity/geofence/", integrity_views.geofence_review, name="integrity_geofence"),
    path("integrity/<int:flag_id>/", integrity_views.flag_detail, name="integrity_flag"),
    path("integrity/<int:flag_id>/assign/", integrity_views.flag_assign, name="integrity_assign"),
    path("integrity/<int:flag_id>/decide/", integrity_views.flag_decide, name="integrity_decide"),
    path("overdue/", views.overdue, name="overdue"),
    path("expiries/", views.expiries, name="expiries"),
    path("released/<str:record_number>/", views.release_case_officer, name="release_case_officer"),
    path("linkage/", linkage_views.queue, name="linkage_queue"),
    path("linkage/groups/<int:cluster_id>/", linkage_views.cluster, name="linkage_cluster"),
    path(
        "linkage/groups/<int:cluster_id>/decide/",
        linkage_views.cluster_adjudicate,
        name="linkage_cluster_adjudicate",
    ),
    path(
        "linkage/links/<int:link_id>/decide/",
        linkage_views.link_adjudicate,
        name="linkage_link_adjudicate",
    ),
    # The released person's own pages live under /apply/check-ins/ (the old addresses redirect).
    path(
        "release/",
        RedirectView.as_view(pattern_name="applicant:check_ins", permanent=True),
        name="release_home",
    ),
    path(
        "release/<str:record_number>/",
        RedirectView.as_view(pattern_name="applicant:check_in", permanent=True),
        name="release_case",
    ),
]
