from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _record_root_key(sender, using, **kwargs):
    if using == "keystore":
        from klinika.crypto.root import check_root_key

        check_root_key()


class CryptoConfig(AppConfig):
    name = "klinika.crypto"
    label = "crypto"
    verbose_name = "Keystore and encryption"

    def ready(self):
        post_migrate.connect(_record_root_key, sender=self)
