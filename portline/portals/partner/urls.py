from django.urls import path

from portline.portals.partner import views

app_name = "partner"
urlpatterns = [
    path("", views.home, name="home"),
    path("registrations/new/", views.registration_start, name="registration_start"),
    path("import/", views.bulk_import, name="import"),
    path("import/template.<str:kind>", views.import_template, name="import_template"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("staff/", views.staff, name="staff"),
    path("staff/invite/", views.invite, name="invite"),
    path("staff/<int:user_id>/suspend/", views.staff_suspend_view, name="staff_suspend"),
    path("staff/<int:user_id>/reinstate/", views.staff_reinstate_view, name="staff_reinstate"),
    path(
        "invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("organization/suspend/", views.organization_suspend, name="organization_suspend"),
    path("join/<str:secret>/", views.join, name="join"),
]
