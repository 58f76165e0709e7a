from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portline.accounts"
    label = "accounts"
