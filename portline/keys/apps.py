from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeysConfig(AppConfig):
    name = "portline.keys"
    label = "keys"
    verbose_name = _("Encryption keys")

    def ready(self) -> None:
        from portline.keys import checks  # noqa: F401 - registers the start-up key check
