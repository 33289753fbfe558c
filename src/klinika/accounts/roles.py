from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REGISTRAR = "registrar", _("registrar")
    DOCTOR = "doctor", _("doctor")
    NURSE = "nurse", _("nurse")
    CLINIC_ADMIN = "clinic_admin", _("clinic administrator")
    DPO = "dpo", _("data protection officer")
    VENDOR_OPERATOR = "vendor_operator", _("vendor operator")


CLINIC_ROLES = [r for r in Role if r != Role.VENDOR_OPERATOR]
