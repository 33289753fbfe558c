"""Counting what is stored, to show that refused input stored nothing."""
from klinika.edocs.models import DocumentEvent, NumberSequence, Prescription, PrescriptionPackage, Referral, SickLeave


def stored() -> dict:
    return {model.__name__: model.objects.count()
            for model in (PrescriptionPackage, Prescription, Referral, SickLeave, DocumentEvent)} | {
        "last_numbers": sorted(NumberSequence.objects.values_list("kind", "last_value"))}


def messages_of(exc_info) -> dict:
    return exc_info.value.message_dict
