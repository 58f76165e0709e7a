from django.apps import AppConfig


class AccountsPortalConfig(AppConfig):
    name = "portline.portals.accounts"
    label = "portal_accounts"
