from django.apps import AppConfig


class AccountsPortalConfig(AppConfig):
    name = "portline.portals.accounts"
    label = "portal_accounts"

    def ready(self):
        from django.contrib import admin

        from portline.portals.accounts.views import admin_login

        # The admin's own login form knows nothing of the second factor: send it to ours.
        admin.site.login = admin_login
