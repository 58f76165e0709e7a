from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    name = "portline.synthetic"
    label = "synthetic"
    verbose_name = "Synthetic population and demo data"
