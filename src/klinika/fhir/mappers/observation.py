"""A set of measurements (VitalSigns) <-> FHIR Observation: category vital-signs, the LOINC vital
signs panel as code, one component per measurement (LOINC code, UCUM unit), subject, encounter,
effectiveDateTime (when measured), performer (who recorded it), status final (amended for a
correction). Extension: the measurement set a correction supersedes."""
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.quantity import Quantity

from klinika.fhir.common import LOINC, UCUM, aware, code_of, concept, ext, ext_value, fid, ref, ref_id, user_ref

CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PANEL = "85353-1"
# name -> (LOINC code, UCUM unit, whole number)
COMPONENTS = {
    "bp_systolic": ("8480-6", "mm[Hg]", True),
    "bp_diastolic": ("8462-4", "mm[Hg]", True),
    "pulse": ("8867-4", "/min", True),
    "temperature": ("8310-5", "Cel", False),
    "weight_kg": ("29463-7", "kg", False),
    "height_cm": ("8302-2", "cm", False),
    "bmi": ("39156-5", "kg/m2", False),
    "pregnancy_week": ("49051-6", "wk", True),
}
BY_CODE = {code: name for name, (code, _unit, _whole) in COMPONENTS.items()}


def to_fhir(vitals, *, people=None) -> Observation:
    measured = vitals.values if isinstance(vitals.values, dict) else {}
    components = [ObservationComponent(code=concept(LOINC, COMPONENTS[name][0]),
                                       valueQuantity=Quantity(value=measured[name], unit=COMPONENTS[name][1],
                                                              system=UCUM, code=COMPONENTS[name][1]))
                  for name in COMPONENTS if measured.get(name) is not None]
    return Observation(
        id=fid(vitals.pk), status="amended" if vitals.supersedes_id else "final",
        category=[concept(CATEGORY, "vital-signs")], code=concept(LOINC, PANEL, "Vital signs panel"),
        subject=ref("Patient", fid(vitals.patient_id)), encounter=ref("Encounter", fid(vitals.encounter_id)),
        effectiveDateTime=aware(vitals.recorded_at),
        performer=[user_ref(vitals.recorded_by_id, people)] if vitals.recorded_by_id else None,
        component=components or None,
        extension=ext("supersedes", valueReference=ref("Observation", fid(vitals.supersedes_id))) or None)


def values(vitals, *, people=None) -> dict:
    measured = vitals.values if isinstance(vitals.values, dict) else {}
    return {"id": fid(vitals.pk), "patient": fid(vitals.patient_id), "encounter": fid(vitals.encounter_id),
            "values": {k: v for k, v in measured.items() if k in COMPONENTS and v is not None},
            "recorded_by": ref_id(user_ref(vitals.recorded_by_id, people)), "recorded_at": aware(vitals.recorded_at),
            "supersedes": fid(vitals.supersedes_id)}


def from_fhir(resource: Observation) -> dict:
    measured = {}
    for component in resource.component or []:
        name = BY_CODE.get(code_of(component.code, LOINC))
        if name and component.valueQuantity is not None:
            value = component.valueQuantity.value
            measured[name] = int(value) if COMPONENTS[name][2] else float(value)
    return {"id": resource.id, "patient": ref_id(resource.subject, "Patient"),
            "encounter": ref_id(resource.encounter, "Encounter"), "values": measured,
            "recorded_by": ref_id((resource.performer or [None])[0], "Practitioner"),
            "recorded_at": aware(resource.effectiveDateTime),
            "supersedes": ref_id(ext_value(resource, "supersedes", "valueReference"), "Observation")}
