"""Awkward values survive the mapping: a patient without PESEL, each kind of identity document, a newborn
recorded with the mother's PESEL, missing optional fields, Polish diacritics (Hypothesis over unsaved
patients), and a table of other resources' edge cases."""
import datetime
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klinika.audit.models import AuditEvent
from klinika.fhir.mappers import allergy_intolerance, audit_event, consent, observation, patient
from klinika.patients.models import ContactChannel, DocumentType, Patient
from klinika.records.models import Allergy, VitalSigns

pytestmark = pytest.mark.django_db

POLISH = "aąbcćdeęfghijklłmnńoóprsśtuwyzźżAĄBCĆDEĘFGHIJKLŁMNŃOÓPRSŚTUWYZŹŻ"
names = st.text(alphabet=POLISH, min_size=1, max_size=20).map(str.strip).filter(bool)
optional = st.one_of(st.just(""), st.text(alphabet=POLISH + "0123456789 .-/", min_size=1, max_size=30)
                     .map(lambda s: " ".join(s.split())).filter(bool))


@st.composite
def patients(draw):
    document = draw(st.sampled_from(["", *DocumentType.values]))
    pesel = draw(st.sampled_from(["", "02270803628", "44051401458"]))
    address = draw(st.one_of(st.none(), st.fixed_dictionaries({
        "street": optional, "building": optional, "apartment": optional,
        "postal_code": st.sampled_from(["", "00-950", "80-180"]), "city": optional,
        "country": st.sampled_from(["PL", "DE", "UA"])})))
    return Patient(
        pk=draw(st.integers(1, 10**9)), first_name=draw(names) + draw(st.sampled_from(["", " Łucja"])),
        last_name=draw(names) + draw(st.sampled_from(["", "-Źdźbło"])), pesel=pesel,
        pesel_is_mothers=bool(pesel) and draw(st.booleans()), document_type=document,
        document_number=draw(st.sampled_from(["ABA300000", "C01X00T47", "ЖК123456"])) if document else "",
        document_country=draw(st.sampled_from(["", "PL", "UA"])) if document else "",
        birth_date=draw(st.dates(datetime.date(1900, 1, 1), datetime.date(2026, 1, 1))),
        sex=draw(st.sampled_from(["F", "M"])), address=address,
        phone=draw(st.sampled_from(["", "+48 601 234 567"])), email=draw(st.sampled_from(["", "żółw@example.pl"])),
        guardian_id=draw(st.one_of(st.none(), st.integers(1, 10**9))),
        guardian_relation=draw(st.sampled_from(["", "mother", "legal_guardian"])), is_active=draw(st.booleans()),
        preferred_channel=draw(st.sampled_from(ContactChannel.values)), consent_sms=draw(st.booleans()),
        consent_email=draw(st.booleans()),
        consent_updated_at=draw(st.one_of(st.none(), st.datetimes(datetime.datetime(2000, 1, 1),
                                                                   datetime.datetime(2030, 1, 1),
                                                                   timezones=st.just(datetime.UTC)))))


def _through_json(mapper, resource):
    return mapper.from_fhir(type(resource).model_validate_json(resource.model_dump_json()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(person=patients())
def test_any_patient_and_consent_round_trip(in_clinic, person):
    expected = patient.values(person, former=[])
    assert _through_json(patient, patient.to_fhir(person, former=[])) == expected
    assert _through_json(consent, consent.to_fhir(person)) == consent.values(person)


def test_a_patient_without_pesel_has_no_pesel_identifier_and_keeps_the_document(in_clinic):
    person = Patient(pk=5, first_name="Ołeksandr", last_name="Szewczenko", birth_date=datetime.date(1990, 3, 1),
                     sex="M", document_type=DocumentType.RESIDENCE_CARD, document_number="RC1234567",
                     document_country="UA", address=None)
    resource = patient.to_fhir(person, former=[])
    assert [i.system for i in resource.identifier] == [patient.DOCUMENT]
    assert {c.code for c in resource.identifier[0].type.coding} == {"residence_card", "PRC"}
    assert resource.address is None and resource.telecom is None
    assert _through_json(patient, resource)["document_country"] == "UA"


@pytest.mark.parametrize("values, reaction, severity", [
    ({"temperature": 36.6}, "", ""),                       # one measurement only
    ({"pregnancy_week": 12, "weight_kg": 61.25}, "", ""),  # whole and fractional numbers
])
def test_measurements_with_few_values_round_trip(in_clinic, values, reaction, severity):
    vitals = VitalSigns(pk=3, patient_id=1, values=values, recorded_by_id=None,
                        recorded_at=datetime.datetime(2026, 1, 2, 8, 0, tzinfo=datetime.UTC))
    assert _through_json(observation, observation.to_fhir(vitals, people={})) == observation.values(vitals, people={})


@pytest.mark.parametrize("reaction, severity", [("", ""), ("", "severe"), ("wstrząs anafilaktyczny", "severe"),
                                                ("pokrzywka", "")])
def test_allergies_with_or_without_reaction_and_severity_round_trip(in_clinic, reaction, severity):
    allergy = Allergy(pk=4, patient_id=2, substance="penicylina", reaction=reaction, severity=severity,
                      is_active=not reaction, recorded_by_id=None,
                      recorded_at=datetime.datetime(2025, 5, 6, tzinfo=datetime.UTC))
    got = _through_json(allergy_intolerance, allergy_intolerance.to_fhir(allergy, people={}))
    assert got == allergy_intolerance.values(allergy, people={})


@pytest.mark.parametrize("actor_id, subject_ref, object_type", [(None, None, ""), (17, uuid.uuid4(), "patient")])
def test_audit_events_with_and_without_actor_or_subject_round_trip(in_clinic, actor_id, subject_ref, object_type):
    event = AuditEvent(pk=9, chain="c", seq=2**40, at=datetime.datetime(2026, 2, 3, tzinfo=datetime.UTC),
                       actor_id=actor_id, actor_role="doctor" if actor_id else "", action="login-failed",
                       object_type=object_type, object_id="42" if object_type else "", subject_ref=subject_ref,
                       reason="", outcome="denied", request_id="", prev_hash="0" * 64, hash="f" * 64,
                       link_version=2)
    assert _through_json(audit_event, audit_event.to_fhir(event)) == audit_event.values(event)
