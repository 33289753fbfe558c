from django.db import models

from klinika.tenancy.context import cross_clinic_reason, require_clinic_id


class ClinicScopedQuerySet(models.QuerySet):
    def __init__(self, model=None, query=None, using=None, hints=None):
        if query is None and model is not None:
            from klinika.crypto.preload import KeyPreloadingQuery

            query = KeyPreloadingQuery(model)
        super().__init__(model, query, using, hints)

    # Fields sealed in one column (crypto/sealed.py) are loaded and deferred with it.
    def only(self, *fields):
        from klinika.crypto.sealed import translate_names

        return super().only(*translate_names(self.model, fields))

    def defer(self, *fields):
        from klinika.crypto.sealed import translate_names

        return super().defer(*translate_names(self.model, fields)) if fields != (None,) else super().defer(None)

    def matching(self, **values):
        """Exact match on encrypted fields through their blind indexes: .matching(pesel=...)."""
        from klinika.crypto.fields import blind_index_for

        clinic_id = require_clinic_id()
        filters = {}
        for source, value in values.items():
            field = blind_index_for(self.model, source)
            tokens = field.tokens(clinic_id, value)  # two while the index key rotates: either matches
            if not tokens:
                return self.none()
            if len(tokens) == 1:
                filters[field.name] = tokens[0]
            else:
                filters[f"{field.name}__in"] = tokens
        return self.filter(**filters)


class ClinicScopedManager(models.Manager.from_queryset(ClinicScopedQuerySet)):
    """Every query is filtered to the clinic in context; no clinic in context raises."""

    def get_queryset(self):
        qs = super().get_queryset()
        if cross_clinic_reason() is not None:
            return qs
        return qs.filter(clinic_id=require_clinic_id())
