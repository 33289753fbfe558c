from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "klinika.accounts"
    label = "accounts"
    verbose_name = "Accounts"
