"""A patient's contact consents <-> FHIR Consent (one per patient, id: the patient's).

scope patient-privacy, category LOINC 59284-0 (patient consent), policyRule OPTIN, patient,
dateTime (when the consents last changed), provision: deny by default with one nested permit per
channel the patient agreed to (code: sms / email). Extension: the preferred channel (sms, email,
none: which of the agreed channels reminders use).
"""
from fhir.resources.R4B.consent import Consent, ConsentProvision

from klinika.fhir.common import LOINC, aware, code_of, code_system, concept, ext, ext_value, fid, ref, ref_id

SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CHANNEL = code_system("contact-channel")


def to_fhir(patient) -> Consent:
    permits = [ConsentProvision(type="permit", code=[concept(CHANNEL, channel)])
               for channel, agreed in (("sms", patient.consent_sms), ("email", patient.consent_email)) if agreed]
    return Consent(id=fid(patient.pk), status="active", scope=concept(SCOPE, "patient-privacy"),
                   category=[concept(LOINC, "59284-0", "Patient Consent")], patient=ref("Patient", fid(patient.pk)),
                   dateTime=aware(patient.consent_updated_at), policyRule=concept(ACT_CODE, "OPTIN"),
                   provision=ConsentProvision(type="deny", provision=permits or None),
                   extension=ext("preferred-channel", valueCode=patient.preferred_channel) or None)


def values(patient) -> dict:
    return {"id": fid(patient.pk), "patient": fid(patient.pk), "consent_sms": patient.consent_sms,
            "consent_email": patient.consent_email, "preferred_channel": patient.preferred_channel,
            "consent_updated_at": aware(patient.consent_updated_at)}


def from_fhir(resource: Consent) -> dict:
    agreed = {code_of((p.code or [None])[0], CHANNEL) for p in (resource.provision.provision or [])
              if p.type == "permit"} if resource.provision else set()
    return {"id": resource.id, "patient": ref_id(resource.patient, "Patient"), "consent_sms": "sms" in agreed,
            "consent_email": "email" in agreed,
            "preferred_channel": ext_value(resource, "preferred-channel", "valueCode", "none"),
            "consent_updated_at": aware(resource.dateTime)}
