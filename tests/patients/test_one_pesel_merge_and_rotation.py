"""Merging and reverting under one PESEL, one patient; and the rule while `keys rotate --index`
runs, when a PESEL's blind index differs between rows of the old and the new key."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from klinika.crypto import keystore
from klinika.lifecycle.services import rotate_index_key
from klinika.patients import services
from klinika.patients.models import Patient, PatientMerge
from klinika.tenancy.context import clinic_context
from tests.patients.factories import adult, make_pesel

pytestmark = pytest.mark.django_db

RIGHT = make_pesel(datetime.date(1980, 2, 3), "F", 123)
TYPO = make_pesel(datetime.date(1980, 2, 3), "F", 777)


@pytest.fixture(autouse=True)
def _fast_polling(settings):
    # The rotation waits two revocation intervals for other processes; there are none here.
    settings.KLINIKA_KEY_REVOCATION_SECONDS = 0.01


def test_a_revert_that_would_revive_a_pesel_now_anothers_is_refused_and_changes_nothing(register, admin, clinic):
    survivor = register(pesel=TYPO)
    merged = register(pesel=RIGHT, first_name="Anita")
    with clinic_context(clinic):
        merge = services.merge_patients(admin, survivor.pk, merged.pk)
        # Merged away, its PESEL is free: the survivor's typo is corrected to it.
        services.update_patient(admin, survivor.pk, {"pesel": RIGHT}, identifier_reason="typo")
        with pytest.raises(ValidationError) as caught:
            services.revert_merge(admin, merge.pk)
        assert "cannot be reverted" in caught.value.messages[0]
        assert PatientMerge.objects.get(pk=merge.pk).state == "pending"
        assert Patient.objects.get(pk=merged.pk).merged_into_id == survivor.pk


def test_a_revert_with_no_conflict_brings_the_pesel_back(register, admin, clinic):
    survivor = register(pesel=TYPO)
    merged = register(pesel=RIGHT, first_name="Anita")
    with clinic_context(clinic):
        merge = services.merge_patients(admin, survivor.pk, merged.pk)
        services.revert_merge(admin, merge.pk)
        assert Patient.objects.get(pk=merged.pk).is_active
        with pytest.raises(services.PeselTaken):
            services.register_patient(admin, adult(pesel=RIGHT), confirm_duplicates=True)


def test_during_an_index_rotation_a_pesel_under_the_old_key_still_blocks_and_the_rotation_completes(
        register, registrar, clinic):
    holder = register(pesel=RIGHT)
    keystore.begin_index_rotation(clinic.pk)
    with clinic_context(clinic):
        old_token = Patient.objects.get(pk=holder.pk).pesel_index
        # A new row's index is the new key's: the constraint alone would not see the old row.
        assert Patient._meta.get_field("pesel_index").token(clinic.pk, RIGHT) != old_token
        with pytest.raises(services.PeselTaken) as caught:
            services.register_patient(registrar, adult(pesel=RIGHT, first_name="Anita"), confirm_duplicates=True)
        assert caught.value.holder.pk == holder.pk
        other = services.register_patient(registrar, adult(pesel=TYPO, first_name="Anita"), confirm_duplicates=True)
        with pytest.raises(services.PeselTaken):
            services.update_patient(registrar, other.pk, {"pesel": RIGHT}, identifier_reason="typo")
    report = rotate_index_key(clinic)  # resumes the rotation begun above: every row recomputed, no conflict
    assert report.resumed
    with clinic_context(clinic):
        assert Patient.objects.get(pk=holder.pk).pesel_index != old_token
        with pytest.raises(services.PeselTaken):
            services.register_patient(registrar, adult(pesel=RIGHT, first_name="Ewa"), confirm_duplicates=True)
        assert Patient.objects.count() == 2
