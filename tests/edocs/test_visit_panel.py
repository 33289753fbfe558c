"""The doctor's e-documents panel on the visit screen: write, sign, print, cancel, through the forms."""
import pytest
from django.utils import timezone

from klinika.edocs.models import DocStatus, Drug, Prescription, Referral, SickLeave
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.edocs.clients import logged_in
from tests.edocs.world import EMPLOYER_NIP, make_encounter, make_patient

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _rx_row(n, **values):
    return {f"rx-{n}-{key}": value for key, value in values.items()}


def test_write_and_sign_a_two_drug_package_through_the_form(world):
    client = logged_in(world.doctor)
    base = f"/edocs/encounters/{world.encounter.pk}"
    panel = client.get(f"{base}/panel/", **HTMX)
    assert panel.status_code == 200 and "New e-prescription" in panel.content.decode()
    form = client.get(f"{base}/prescriptions/new/", **HTMX).content.decode()
    assert 'name="rx-1-drug_name"' in form and 'name="rx-2-drug_name"' not in form
    amoxicillin = Drug.objects.get(name="Amoxicillinum", strength="500 mg")
    data = _rx_row(1, drug_id=amoxicillin.pk, drug_name=amoxicillin.name, dosage="1 kaps. co 8 h", quantity="1",
                   payment_level="", kind="ordinary")
    more = client.post(f"{base}/prescriptions/new/", data | {"add_row": "1"}, **HTMX).content.decode()
    assert 'name="rx-2-drug_name"' in more and amoxicillin.name in more
    data |= _rx_row(2, drug_name="Ramiprilum", strength="5 mg", dosage="1 tabl. rano", quantity="2",
                    payment_level="30%", kind="ordinary", validity_days="")
    written = client.post(f"{base}/prescriptions/new/", data, **HTMX)
    assert written.status_code == 200 and written["HX-Retarget"] == "#edocs-panel"
    with clinic_context(world.clinic):
        package_id = Prescription.objects.get(content__isnull=False, number__endswith="01").package_id
    signed = client.post(f"/edocs/rx/{package_id}/sign/", **HTMX).content.decode()
    # Tasks run at once in tests, so the platform has answered before the panel comes back.
    assert "Signed and sent to P1; P1 confirmed receipt." in signed and "sent to P1 (confirmed)" in signed
    with clinic_context(world.clinic):
        assert set(Prescription.objects.values_list("status", flat=True)) == {DocStatus.SUBMITTED}
    assert f'href="/edocs/rx/{package_id}/print/"' in signed


def test_a_refused_form_comes_back_with_the_message_next_to_the_field(world):
    client = logged_in(world.doctor)
    base = f"/edocs/encounters/{world.encounter.pk}"
    amoxicillin = Drug.objects.get(name="Amoxicillinum", strength="500 mg")
    answer = client.post(f"{base}/prescriptions/new/", _rx_row(1, drug_id=amoxicillin.pk, dosage="x", quantity="1",
                                                               validity_days="30"), **HTMX)
    text = answer.content.decode()
    assert answer.status_code == 200 and "An antibiotic prescription is valid for at most 7 days" in text
    no_htmx = client.post(f"{base}/sick-leaves/new/", {"date_from": timezone.localdate().isoformat(),
                                                      "date_to": timezone.localdate().isoformat(), "icd10": "J06.9",
                                                      "indication": "2", "payer_nip": "1234567890"})
    assert no_htmx.status_code == 400 and "is not valid: check the digits." in no_htmx.content.decode()
    with clinic_context(world.clinic):
        assert not Prescription.objects.exists() and not SickLeave.objects.exists()


def test_referral_and_sick_leave_forms_start_from_the_visit_and_work_without_htmx(world):
    client = logged_in(world.doctor)
    base = f"/edocs/encounters/{world.encounter.pk}"
    assert client.get(f"{base}/referrals/new/").status_code == 200
    done = client.post(f"{base}/referrals/new/", {"kind": "02.11", "icd10": "I10", "target_specialty": "0748",
                                                  "purpose": "Konsultacja kardiologiczna"})
    assert done.status_code == 302 and done["Location"] == f"{base}/"
    leave = client.post(f"{base}/sick-leaves/new/", {"date_from": timezone.localdate().isoformat(),
                                                     "date_to": timezone.localdate().isoformat(), "icd10": "J06.9",
                                                     "indication": "1", "payer_nip": EMPLOYER_NIP,
                                                     "letter_codes": ["E"]})
    assert leave.status_code == 302
    with clinic_context(world.clinic):
        referral, sick_leave = Referral.objects.get(), SickLeave.objects.get()
    page = client.get(f"{base}/").content.decode()
    assert referral.number in page and sick_leave.number in page
    assert client.post(f"/edocs/zla/{sick_leave.pk}/sign/").status_code == 302
    cancelled = client.post(f"/edocs/zla/{sick_leave.pk}/cancel/", {"reason": "error"}, **HTMX).content.decode()
    assert "The document was cancelled." in cancelled
    bad = client.post(f"/edocs/zla/{sick_leave.pk}/cancel/", {"reason": "error"}, **HTMX).content.decode()
    assert "This document is already cancelled." in bad


def test_the_drug_type_ahead_offers_the_built_in_list_and_fills_the_row(world):
    client = logged_in(world.doctor)
    found = client.get("/edocs/drugs/?row=2&rx-2-drug_name=amox").content.decode()
    assert "Amoxicillinum" in found and "antibiotic" in found and "Ramiprilum" not in found
    drug = Drug.objects.get(name="Vaccinum influenzae inactivatum")
    row = client.get(f"/edocs/drugs/row/?row=2&drug={drug.pk}&rx-2-dosage=0,5+ml").content.decode()
    assert f'value="{drug.pk}"' in row and 'value="120"' in row and 'value="0,5 ml"' in row
    codes = client.get("/edocs/codes/?icd10=zapalenie oskrzeli").content.decode()
    assert "?code=J20.9" in codes and "Ostre zapalenie oskrzeli" in codes and "I10" not in codes


def test_names_are_escaped_and_round_trip(world, people):
    name = "Zażółć O'Brien-<script>alert(1)</script>"
    patient, _data = make_patient(world.clinic, people, last_name=name, first_name="Łucja-Ćma")
    encounter = make_encounter(world.clinic, patient, world.practitioner)
    page = logged_in(world.doctor).get(f"/edocs/encounters/{encounter.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "Zażółć O&#x27;Brien-&lt;script&gt;alert(1)&lt;/script&gt;" in page and "Łucja-Ćma" in page
    with clinic_context(world.clinic):
        assert Patient.objects.get(pk=patient.pk).last_name == name


def test_the_current_prescriptions_fragment(world):
    from tests.edocs.issuing import signed_package

    signed_package(world)
    text = logged_in(world.doctor).get(f"/edocs/patients/{world.patient.pk}/current/").content.decode()
    assert "Amoxicillinum" in text and "Ramiprilum" in text


def test_reissue_an_e_zla_from_the_panel(world):
    from tests.edocs.issuing import signed_sick_leave

    old = signed_sick_leave(world)
    client = logged_in(world.doctor)
    form = client.get(f"/edocs/zla/{old.pk}/reissue/", **HTMX).content.decode()
    assert f"Reissue e-ZLA {old.number}" in form and 'value="5260250274"' in form
    today = timezone.localdate().isoformat()
    answer = client.post(f"/edocs/zla/{old.pk}/reissue/", {"reason": "error", "date_from": today, "date_to": today,
                                                           "icd10": "J20.9", "indication": "1",
                                                           "payer_nip": EMPLOYER_NIP}, **HTMX)
    assert "The e-ZLA was cancelled and its corrected copy written" in answer.content.decode()
    with clinic_context(world.clinic):
        new = SickLeave.objects.get(reissue_of=old)
        assert SickLeave.objects.get(pk=old.pk).status == DocStatus.CANCELLED
    assert new.status == DocStatus.DRAFT and new.content["icd10"] == "J20.9"
