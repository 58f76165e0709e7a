from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "portline.appointments"
    label = "appointments"
