"""At the desk, the API and the merge screen: a PESEL that is another live patient's own is a clear,
translated duplicate error naming that patient (never a 500, nothing saved), with the way on: open
the existing card, or merge. Only a clinic admin records a registry-confirmed shared PESEL."""
import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from klinika.accounts.services.tokens import create_token
from klinika.audit.models import AuditEvent
from klinika.patients import services
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.patients.factories import adult, make_pesel

pytestmark = pytest.mark.django_db

OTHER_PESEL = make_pesel(datetime.date(1980, 2, 3), "F", 777)


def _api(user):
    raw, _token = create_token(user, "test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_refusal_names_the_holder_audits_showing_them_and_saves_nothing(registrar, register, clinic):
    holder = register()
    with clinic_context(clinic):
        events = AuditEvent.objects.count()
        with pytest.raises(services.PeselTaken) as caught:
            services.register_patient(registrar, adult(first_name="Anita"), confirm_duplicates=True)
        assert caught.value.holder.pk == holder.pk and isinstance(caught.value, ValidationError)
        assert Patient.objects.count() == 1
        shown = AuditEvent.objects.filter(pk__gt=0).order_by("-pk")[: AuditEvent.objects.count() - events]
        assert [(e.action, e.object_id, e.reason) for e in shown] == [("read", str(holder.pk), "holds this PESEL")]


def test_a_typo_correction_onto_another_patients_pesel_is_refused_and_changes_nothing(registrar, register, clinic):
    holder = register()
    typo = register(pesel=OTHER_PESEL, first_name="Anita")
    with clinic_context(clinic), pytest.raises(services.PeselTaken) as caught:
        services.update_patient(registrar, typo.pk, {"pesel": holder.pesel, "phone": "600 999 999"},
                                identifier_reason="typo")
    assert caught.value.holder.pk == holder.pk
    with clinic_context(clinic):
        again = Patient.objects.get(pk=typo.pk)
        assert again.pesel == OTHER_PESEL and again.phone == typo.phone
        assert again.identifiers.filter(replaced_at__isnull=True).count() == 1


def test_a_newborn_ticked_off_the_mothers_pesel_would_take_the_mothers_and_is_refused(registrar, register, clinic):
    mother = register()
    with clinic_context(clinic):
        baby = services.register_patient(registrar, {
            "first_name": "Zosia", "last_name": "Kowalska", "pesel": mother.pesel, "pesel_is_mothers": True,
            "birth_date": datetime.date.today(), "sex": "F", "guardian_id": mother.pk, "guardian_relation": "mother"})
        twin = services.register_patient(registrar, {
            "first_name": "Ola", "last_name": "Kowalska", "pesel": mother.pesel, "pesel_is_mothers": True,
            "birth_date": datetime.date.today(), "sex": "F", "guardian_id": mother.pk, "guardian_relation": "mother"},
            confirm_duplicates=True)
        assert twin.pk
        with pytest.raises(services.PeselTaken):
            services.update_patient(registrar, baby.pk, {"pesel_is_mothers": False, "birth_date": "1980-02-03"},
                                    identifier_reason="typo")


def test_the_constraint_has_the_last_word_when_the_checks_miss_a_race(registrar, register, clinic, monkeypatch):
    """A registration that got past both checks while another of the same PESEL committed (forced
    here by making the checks miss once each) meets the constraint: PeselTaken, not a 500."""
    holder = register()
    real = services._pesel_holder
    misses = iter([None, None])
    monkeypatch.setattr(services, "_pesel_holder", lambda *a, **k: next(misses, None) or real(*a, **k))
    monkeypatch.setattr(services, "_claim_pesel", lambda *a, **k: None)
    with clinic_context(clinic), pytest.raises(services.PeselTaken) as caught:
        services.register_patient(registrar, adult(first_name="Anita"), confirm_duplicates=True)
    assert caught.value.holder.pk == holder.pk
    with clinic_context(clinic):
        assert Patient.objects.count() == 1


def test_the_desk_screen_offers_the_existing_card_and_merge_and_no_way_to_confirm(registrar, admin, register,
                                                                                   clinic, client_for):
    holder = register()
    form = {"first_name": "Anita", "last_name": "Nowak", "pesel": holder.pesel, "phone": "600100200",
            "consent_sms": "on", "preferred_channel": "sms", "country": "PL", "document_country": "PL"}
    page = client_for(registrar).post("/patients/new/", form)
    assert page.status_code == 409
    html = page.content.decode()
    assert "This PESEL belongs to a registered patient" in html and "Open the existing card" in html
    assert f'href="/patients/{holder.pk}/"' in html and "ask a clinic admin" in html
    assert 'name="confirm_duplicates"' not in html and 'name="shared_pesel"' not in html
    assert client_for(registrar).post("/patients/new/", form | {"confirm_duplicates": "1"}).status_code == 409
    admin_page = client_for(admin, "pl").post("/patients/new/", form).content.decode()
    assert f'href="/patients/{holder.pk}/merge/"' in admin_page and 'name="shared_pesel"' in admin_page
    assert "Ten PESEL należy do zarejestrowanego pacjenta" in admin_page
    with clinic_context(clinic):
        assert Patient.objects.count() == 1
    # The admin, having confirmed with the registry, registers the other person from that screen.
    done = client_for(admin).post("/patients/new/", form | {"shared_pesel": "registry_confirmed"})
    assert done.status_code == 302
    with clinic_context(clinic):
        assert sorted(Patient.objects.values_list("pesel_shared", flat=True)) == ["", "registry_confirmed"]


def test_the_correction_screen_links_to_merging_the_two_records(admin, register, clinic, client_for):
    holder = register()
    typo = register(pesel=OTHER_PESEL, first_name="Anita")
    client = client_for(admin)
    page = client.post(f"/patients/{typo.pk}/edit/", {
        "first_name": "Anita", "last_name": "Kowalska", "pesel": holder.pesel, "identifier_reason": "typo",
        "phone": "600100200", "consent_sms": "on", "preferred_channel": "sms", "country": "PL",
        "document_country": "PL", "street": "Długa", "building": "5", "postal_code": "00-950", "city": "Warszawa"})
    assert page.status_code == 409
    merge_url = f"/patients/{typo.pk}/merge/?other={holder.pk}"
    assert merge_url in page.content.decode()
    merge_page = client.get(merge_url).content.decode()
    assert f'name="other" value="{holder.pk}"' in merge_page
    done = client.post(f"/patients/{typo.pk}/merge/", {"other": holder.pk, "survivor": "other"})
    assert done.status_code == 302
    with clinic_context(clinic):
        assert Patient.objects.get(pk=typo.pk).merged_into_id == holder.pk


def test_the_api_answers_409_with_the_existing_patients_id(registrar, register, clinic):
    holder = register()
    body = {"first_name": "Anita", "last_name": "Nowak", "pesel": holder.pesel, "phone": "600100200",
            "consent_sms": True, "confirm_duplicates": True}
    answer = _api(registrar).post("/api/patients", body, content_type="application/json")
    assert answer.status_code == 409
    assert answer.json()["code"] == "pesel_taken" and answer.json()["existing_patient_id"] == holder.pk
    assert "already registered" in answer.json()["detail"] and holder.pesel not in answer.content.decode()
    typo = register(pesel=OTHER_PESEL, first_name="Anita")
    patched = _api(registrar).patch(f"/api/patients/{typo.pk}", {"pesel": holder.pesel, "identifier_reason": "typo"},
                                    content_type="application/json")
    assert patched.status_code == 409 and patched.json()["existing_patient_id"] == holder.pk


def test_only_a_clinic_admin_records_a_shared_pesel_with_a_reason_and_it_is_audited(registrar, admin, register,
                                                                                   clinic):
    holder = register()
    second = adult(first_name="Anita", last_name="Nowak")
    with clinic_context(clinic):
        with pytest.raises(PermissionDenied):
            services.register_patient(registrar, second, shared_pesel="registry_confirmed")
        with pytest.raises(ValidationError) as bad:
            services.register_patient(admin, second, shared_pesel="legacy")
        assert "pesel_shared" in bad.value.message_dict
        shared = services.register_patient(admin, second, shared_pesel="registry_confirmed")
        assert shared.pesel == holder.pesel and shared.pesel_kind == "shared"
        event = AuditEvent.objects.get(action="create", object_id=str(shared.pk))
        assert event.reason == "shared PESEL: registry_confirmed" and event.actor_id == admin.pk
        assert shared.identifiers.get().reason == "shared_pesel"
        # Once it is one person's own again, the other record must not hold it.
        with pytest.raises(services.PeselTaken):
            services.record_shared_pesel(admin, shared.pk, "")
        with pytest.raises(PermissionDenied):
            services.record_shared_pesel(registrar, holder.pk, "registry_confirmed")


def test_an_admin_resolves_a_legacy_shared_record_by_correcting_its_pesel(admin, register, clinic):
    """What the migration marks "legacy" (two live records that shared a PESEL before the rule)."""
    holder = register()
    with clinic_context(clinic):
        legacy = Patient(clinic=clinic, first_name="Anita", last_name="Nowak", pesel=holder.pesel,
                         birth_date=holder.birth_date, sex="F", pesel_shared="legacy",
                         preferred_channel="none")
        legacy.save()
        corrected = services.update_patient(admin, legacy.pk, {"pesel": OTHER_PESEL}, identifier_reason="typo")
        assert corrected.pesel_shared == "" and corrected.pesel_kind == "own"
