"""`klinika synth`: visit notes in Polish, varied and free of the patient's identifiers; ICD-9-PL procedures
from the code list; diagnoses that fit (no pregnancy for a man or an elderly woman)."""
import pytest

from klinika.records.models import Code, CodeSystem, Encounter
from klinika.tenancy.context import clinic_context
from tests.testdata.synth_clinic_support import age_on, main_code, synth

pytestmark = pytest.mark.django_db
PREGNANCY = ("O", "Z32", "Z33", "Z34", "Z35", "Z36")


def test_notes_procedures_and_diagnoses_fit():
    clinic = synth("Przychodnia Notatek", seed=12, patients=250)
    with clinic_context(clinic):
        builtin = set(Code.objects.filter(system=CodeSystem.ICD9PL, clinic__isnull=True).values_list("code", flat=True))
        encounters = list(Encounter.objects.select_related("patient", "current"))
    assert len(encounters) > 100
    interviews, with_procedures = set(), 0
    for encounter in encounters:
        content, patient = encounter.current.content, encounter.patient
        for name in ("interview", "examination", "recommendations"):
            text = content[name]
            assert len(text) > 20, (name, text)
            assert patient.last_name not in text.split() and f"{patient.first_name} {patient.last_name}" not in text
            if patient.pesel:
                assert patient.pesel not in text
        interviews.add(content["interview"])
        codes = [p["code"] for p in content["procedures"]]
        assert set(codes) <= builtin and all(p["name"] for p in content["procedures"])
        with_procedures += bool(codes)
        code = main_code(encounter)
        age = age_on(patient.birth_date, encounter.started_at.date())
        if code.startswith(PREGNANCY):
            assert patient.sex == "F" and 18 <= age <= 43, (code, patient.sex, age)
        if code.startswith(("N95", "N76", "Z01.4", "Z30")):
            assert patient.sex == "F"
        if code == "N40":
            assert patient.sex == "M"
        if code in ("Z00.1", "Z27.1"):
            assert age < 18
    assert with_procedures == len(encounters)
    assert len(interviews) > len(encounters) / 4  # varied, not one text repeated
    corpus = " ".join(e.current.content["interview"] for e in encounters)
    assert any(letter in corpus for letter in "ąęłńóśźż")
