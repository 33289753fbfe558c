KEYSTORE_APP = "crypto"


class KeystoreRouter:
    """Keys live in their own database, never in the clinic-data database."""

    def db_for_read(self, model, **hints):
        return "keystore" if model._meta.app_label == KEYSTORE_APP else "default"

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return (obj1._meta.app_label == KEYSTORE_APP) == (obj2._meta.app_label == KEYSTORE_APP)

    def allow_migrate(self, db, app_label, **hints):
        if app_label == KEYSTORE_APP:
            return db == "keystore"
        return db == "default"
