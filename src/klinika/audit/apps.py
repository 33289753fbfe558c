from django.apps import AppConfig


def _record_root_key_event(sender, generation, reason, **kwargs):
    """Root key generations are the vendor's: their events go to the vendor chain, even when a
    clinic's operation (a shred) rotates the root key from inside that clinic's context."""
    from django.db import transaction

    from klinika.audit.models import Action
    from klinika.audit.services import record
    from klinika.tenancy.context import outside_any_clinic

    with outside_any_clinic("root key generations belong to no clinic"), transaction.atomic():
        record(Action.KEY, object_type="root-key", object_id=str(generation), reason=reason)


class AuditConfig(AppConfig):
    name = "klinika.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from klinika.crypto.signals import root_key_event

        root_key_event.connect(_record_root_key_event, dispatch_uid="klinika.audit.root_key_event")
