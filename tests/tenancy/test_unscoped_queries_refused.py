"""Every clinic-owned model refuses to be queried without a clinic in context.

The models are found through the app registry, so a model added later is covered
without touching this test.
"""
import pytest
from django.apps import apps

from klinika.tenancy.context import ClinicContextMissing, clinic_context, cross_clinic
from klinika.tenancy.models import Clinic, ClinicOwnedModel

pytestmark = pytest.mark.django_db

# Models that point at a clinic but are deliberately not clinic-scoped, with the reason.
NOT_CLINIC_OWNED = {
    "accounts.User": "a login is resolved before its clinic is known; holds no personal data",
}


def clinic_owned_models():
    found = []
    for model in apps.get_models():
        points_at_clinic = any(
            getattr(f, "related_model", None) is Clinic for f in model._meta.concrete_fields
        )
        if points_at_clinic and model._meta.label not in NOT_CLINIC_OWNED:
            found.append(model)
    return found


def test_the_walk_finds_the_models_we_know():
    labels = {m._meta.label for m in clinic_owned_models()}
    assert {"patients.Patient", "accounts.StaffMember", "audit.AuditEvent"} <= labels


@pytest.mark.parametrize("model", clinic_owned_models(), ids=lambda m: m._meta.label)
def test_default_manager_refuses_without_clinic(model):
    assert issubclass(model, ClinicOwnedModel), f"{model._meta.label} points at a clinic but is not ClinicOwnedModel"
    with pytest.raises(ClinicContextMissing):
        list(model._default_manager.all())
    with pytest.raises(ClinicContextMissing):
        model._default_manager.count()
    with pytest.raises(ClinicContextMissing):
        model._default_manager.filter(pk=1).exists()


@pytest.mark.parametrize("model", clinic_owned_models(), ids=lambda m: m._meta.label)
def test_default_manager_is_filtered_to_the_clinic_in_context(model, clinic):
    with clinic_context(clinic):
        sql = str(model._default_manager.all().query)
    assert "clinic_id" in sql and clinic.pk.hex in sql.replace("-", "")


def test_the_escape_hatch_needs_a_reason():
    with pytest.raises(ValueError):
        with cross_clinic(""):
            pass


def test_saving_a_row_into_another_clinic_is_refused(make_clinic, people):
    from klinika.patients.models import Patient

    a, b = make_clinic(), make_clinic()
    with clinic_context(a):
        patient = Patient(**people.patient())
        patient.save()
    with clinic_context(b), pytest.raises(PermissionError):
        patient.save()
