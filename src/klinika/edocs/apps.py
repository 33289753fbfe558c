from django.apps import AppConfig


class EdocsConfig(AppConfig):
    name = "klinika.edocs"
    label = "edocs"

    def ready(self):
        from klinika.edocs.models import DocKind, Prescription, Referral, SickLeave
        from klinika.records.summary import register_document_table

        # The patient summary counts each visit's e-documents (records cannot import edocs).
        for kind, model in ((DocKind.PRESCRIPTION, Prescription), (DocKind.REFERRAL, Referral),
                            (DocKind.SICK_LEAVE, SickLeave)):
            register_document_table(kind, model)
