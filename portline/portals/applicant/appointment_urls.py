from django.urls import path

from portline.portals.applicant import appointment_views as views

app_name = "appointments"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("registration/<str:reference>/", views.status, name="status"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/confirm/<int:position>/", views.confirm_person, name="confirm_person"),
    path("<int:pk>/confirmation.pdf", views.pdf, name="pdf"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
]
