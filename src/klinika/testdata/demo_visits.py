"""Visit records of the demo clinic, written by its doctors through the records service.

A doctor starts the visit from the appointment, measures the patient at today's visits, notes an
allergy now and then, and signs the record with its ICD-10 diagnosis (or leaves it a draft while
the patient is still in the room). That fills the doctor's patient summary: visits, problems,
allergies, the latest measurements.
"""
import random

from klinika.accounts.models import User
from klinika.patients.models import Patient
from klinika.records import services as records
from klinika.records.models import Encounter
from klinika.scheduling.models import Appointment
from klinika.testdata.demo_desk import act
from klinika.testdata.demo_stories import ADULT, ALLERGIES, Story

ALLERGY_SHARE = 0.06  # signed visits at which the doctor notes an allergy the patient mentions


class VisitWriter:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.allergic: set[int] = set()

    def write(self, doctor: User, appointment: Appointment, story: Story, patient: Patient, age: int, *,
              signed: bool, measured: bool) -> Encounter:
        encounter = act(doctor, records.start_encounter, appointment.pk)
        if measured:
            act(doctor, records.record_vitals, patient.pk, measurements(self.rng, age, story),
                encounter_id=encounter.pk)
        if signed:
            act(doctor, records.sign, encounter.pk, content(story))
            if patient.pk not in self.allergic and self.rng.random() < ALLERGY_SHARE:
                substance, reaction, severity = self.rng.choice(ALLERGIES)
                act(doctor, records.add_allergy, patient.pk, substance=substance, reaction=reaction,
                    severity=severity)
                self.allergic.add(patient.pk)
        else:
            act(doctor, records.save_draft, encounter.pk, {"interview": story.interview})
        # The service stamps a visit with the moment it is written; the demo writes two weeks of
        # visits at once, so each is dated as its appointment. The versions (immutable) and the
        # audit trail keep the true time of writing.
        Encounter.objects.filter(pk=encounter.pk).update(
            started_at=appointment.starts_at, signed_at=appointment.ends_at if signed else None)
        return encounter


def content(story: Story) -> dict:
    return {"interview": story.interview, "examination": story.examination,
            "recommendations": story.recommendations, "diagnoses": [{"code": story.diagnosis, "main": True}],
            "procedures": [{"code": code} for code in story.procedures]}


def measurements(rng: random.Random, age: int, story: Story) -> dict:
    if age >= ADULT:
        systolic = rng.randint(110, 150)
        values = {"bp_systolic": systolic, "bp_diastolic": systolic - rng.randint(35, 55),
                  "pulse": rng.randint(58, 92), "weight_kg": round(rng.uniform(52, 98), 1),
                  "height_cm": rng.randint(155, 190)}
        if story.who == "pregnant":
            values["pregnancy_week"] = rng.randint(8, 36)
        return values
    if age == 0:
        height, weight = rng.randint(50, 60), round(rng.uniform(3.2, 5.5), 2)
    else:
        height = min(75 + 6 * age + rng.randint(-5, 5), 185)
        weight = round(16 * (height / 100) ** 2 + rng.uniform(-1, 2), 1)
    return {"temperature": round(rng.uniform(36.4, 38.6), 1), "weight_kg": weight, "height_cm": height}
