"""Visit records of the demo clinic: the signed records of visits that took place, and today's.

The records of the visits seen before the demo began are history, imported signed with the visit's
own times (records.services.bulk.import_encounters: content checked by the visit form's rules,
sealed under the patient's key). Today's patients are measured, and a doctor with a patient in the
room starts the visit from the appointment and drafts its record, through the records service;
now and then a doctor notes an allergy the patient mentions. That fills the doctor's patient
summary: visits, problems, allergies, the latest measurements.
"""
import datetime
import random

from klinika.accounts.models import User
from klinika.patients.models import Patient
from klinika.records import services as records
from klinika.records.models import Encounter
from klinika.scheduling.models import Appointment
from klinika.testdata.demo_desk import act
from klinika.testdata.demo_stories import ADULT, ALLERGIES, Story

ALLERGY_SHARE = 0.06  # signed visits at which the doctor notes an allergy the patient mentions
SIGNED_WITHIN = 30  # minutes after the visit's end its record was signed, at most


class VisitWriter:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.allergic: set[int] = set()

    def signed_record(self, appointment_id: int, ends_at: datetime.datetime, story: Story,
                      now: datetime.datetime) -> dict:
        """A row of import_encounters: the record signed a few minutes after the visit."""
        signed_at = min(ends_at + datetime.timedelta(minutes=self.rng.randint(0, SIGNED_WITHIN)), now)
        return {"appointment_id": appointment_id, "content": content(story), "signed_at": signed_at}

    def measure(self, user: User, patient: Patient, age: int, story: Story, encounter_id: int):
        act(user, records.record_vitals, patient.pk, measurements(self.rng, age, story), encounter_id=encounter_id)

    def maybe_note_allergy(self, doctor: User, patient: Patient):
        if patient.pk not in self.allergic and self.rng.random() < ALLERGY_SHARE:
            substance, reaction, severity = self.rng.choice(ALLERGIES)
            act(doctor, records.add_allergy, patient.pk, substance=substance, reaction=reaction, severity=severity)
            self.allergic.add(patient.pk)

    def draft(self, doctor: User, appointment: Appointment, story: Story, patient: Patient, age: int) -> Encounter:
        """The patient is in the room: the visit is started, measured and its record begun."""
        encounter = act(doctor, records.start_encounter, appointment.pk)
        self.measure(doctor, patient, age, story, encounter.pk)
        act(doctor, records.save_draft, encounter.pk, {"interview": story.interview})
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
