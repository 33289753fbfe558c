import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from klinika.tenancy.context import cross_clinic_reason, current_clinic_id, require_clinic_id
from klinika.tenancy.managers import ClinicScopedManager


class Clinic(models.Model):
    """The tenant. Holds no personal data: its name is the clinic's business name."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        TERMINATED = "terminated", _("terminated (keys shredded)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(_("name"), max_length=200)
    is_demo = models.BooleanField(
        default=False,
        help_text="Generated demo clinic: may skip two-factor login, shows a demo banner.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ClinicOwnedModel(models.Model):
    """Base for every table that belongs to one clinic.

    `objects` refuses to run without a clinic in context; `all_clinics` is the plain
    manager that Django uses internally (related lookups, saves) and must not be used
    in application code.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", editable=False)

    objects = ClinicScopedManager()
    all_clinics = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "all_clinics"
        default_manager_name = "objects"

    def save(self, *args, **kwargs):
        context_clinic = current_clinic_id()
        if self.clinic_id is None and context_clinic is not None:
            self.clinic_id = context_clinic
        elif self.clinic_id is None and not (self._meta.get_field("clinic").null and cross_clinic_reason()):
            self.clinic_id = require_clinic_id()
        elif context_clinic is not None and self.clinic_id != context_clinic:
            raise PermissionError("Refusing to save a row of another clinic than the one in context")
        if kwargs.get("update_fields") is not None:
            from klinika.crypto.sealed import translate_names

            kwargs["update_fields"] = translate_names(self.__class__, kwargs["update_fields"])
        super().save(*args, **kwargs)

    def encryption_subject_ref(self):
        """The person whose key encrypts this row's fields; None: the clinic's data key."""
        return None
