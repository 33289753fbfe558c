"""An audit event <-> FHIR AuditEvent, with no personal data: people appear as opaque ids only.

Standard elements: type (klinika's action), action (C/R/U/D/E), recorded, outcome (0 success, 4
anything else) and outcomeDesc (klinika's outcome word), agent (the user's id and role; the
requestor), source (klinika, the chain as site), entity (the object as type and id; the subject
as its opaque reference), purposeOfEvent (the reason: codes, never free text).
Extensions (the hash chain has no place in R4): chain, sequence number, previous hash, hash, link
version and the request id.
"""
import uuid

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.auditevent import AuditEventAgent, AuditEventEntity, AuditEventSource
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.reference import Reference

from klinika.fhir.common import aware, code_of, code_system, concept, ext, ext_value, fid, naming_system, number

ACTION = code_system("audit-action")
ROLE = code_system("role")
OBJECT_TYPE = code_system("object-type")
USER = naming_system("user")
SUBJECT = naming_system("subject")
OBJECT = naming_system("object")
FHIR_ACTION = {"create": "C", "read": "R", "update": "U", "delete": "D"}
ENTITY_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"


def to_fhir(event) -> FhirAuditEvent:
    entities = []
    if event.object_type or event.object_id:
        entities.append(AuditEventEntity(what=Reference(identifier=Identifier(system=OBJECT, value=event.object_id or
                                                                              "-")),
                                         type=Coding(system=OBJECT_TYPE, code=event.object_type or "-")))
    if event.subject_ref:
        entities.append(AuditEventEntity(what=Reference(identifier=Identifier(system=SUBJECT,
                                                                              value=str(event.subject_ref))),
                                         role=Coding(system=ENTITY_ROLE, code="1", display="Patient")))
    who = Reference(identifier=Identifier(system=USER, value=str(event.actor_id))) if event.actor_id is not None \
        else Reference(display="system")
    return FhirAuditEvent(
        id=fid(event.pk), type=Coding(system=ACTION, code=event.action), action=FHIR_ACTION.get(event.action, "E"),
        recorded=aware(event.at), outcome="0" if event.outcome == "success" else "4", outcomeDesc=event.outcome,
        agent=[AuditEventAgent(requestor=True, who=who,
                               type=concept(ROLE, event.actor_role) if event.actor_role else None)],
        source=AuditEventSource(observer=Reference(display="klinika"), site=event.chain),
        entity=entities or None, purposeOfEvent=[concept(text=event.reason)] if event.reason else None,
        extension=(ext("chain", valueString=event.chain) + ext("seq", valueDecimal=event.seq)
                   + ext("prev-hash", valueString=event.prev_hash) + ext("hash", valueString=event.hash)
                   + ext("link-version", valueInteger=event.link_version)
                   + ext("request-id", valueString=event.request_id)))


def values(event) -> dict:
    return {"id": fid(event.pk), "chain": event.chain, "seq": event.seq, "at": aware(event.at),
            "actor_id": event.actor_id, "actor_role": event.actor_role or "", "action": event.action,
            "object_type": event.object_type or "", "object_id": event.object_id or "",
            "subject_ref": event.subject_ref, "reason": event.reason or "", "outcome": event.outcome,
            "request_id": event.request_id or "", "prev_hash": event.prev_hash, "hash": event.hash,
            "link_version": event.link_version}


def from_fhir(resource: FhirAuditEvent) -> dict:
    object_type = object_id = ""
    subject = None
    for entity in resource.entity or []:
        ident = entity.what.identifier if entity.what else None
        if ident is not None and ident.system == SUBJECT:
            subject = uuid.UUID(ident.value)
        elif ident is not None and ident.system == OBJECT:
            object_type = "" if entity.type.code == "-" else entity.type.code
            object_id = "" if ident.value == "-" else ident.value
    agent = resource.agent[0]
    actor = agent.who.identifier.value if agent.who and agent.who.identifier else None
    return {"id": resource.id, "chain": ext_value(resource, "chain", "valueString", ""),
            "seq": number(ext_value(resource, "seq", "valueDecimal")), "at": aware(resource.recorded),
            "actor_id": int(actor) if actor is not None else None,
            "actor_role": code_of(agent.type, ROLE), "action": resource.type.code,
            "object_type": object_type, "object_id": object_id, "subject_ref": subject,
            "reason": resource.purposeOfEvent[0].text if resource.purposeOfEvent else "",
            "outcome": resource.outcomeDesc or "", "request_id": ext_value(resource, "request-id", "valueString", ""),
            "prev_hash": ext_value(resource, "prev-hash", "valueString", ""),
            "hash": ext_value(resource, "hash", "valueString", ""),
            "link_version": ext_value(resource, "link-version", "valueInteger")}
