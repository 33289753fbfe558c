"""What every mapper shares: klinika's base URL, the identifier and code systems, extensions, references.

Where FHIR R4 has no element for a field that carries meaning, the value goes into an extension
whose URL is `ext_url(name)`, under the one base URL below (klinika's own StructureDefinitions);
klinika's own code systems and identifier systems live under it too. Each mapper says in a
comment which of its values are extensions.
"""
import datetime
from decimal import Decimal

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.reference import Reference

# The one base URL of klinika's FHIR definitions. Change it here (and nowhere else) once the project
# publishes its definitions under a domain of its own; an export records what it was written with.
BASE_URL = "https://klinika.example/fhir"


def ext_url(name: str) -> str:
    return f"{BASE_URL}/StructureDefinition/{name}"


def code_system(name: str) -> str:
    return f"{BASE_URL}/CodeSystem/{name}"


def naming_system(name: str) -> str:
    return f"{BASE_URL}/NamingSystem/{name}"


# National identifier and code systems (the OIDs of the Polish P1 platform's FHIR guide).
PESEL = "urn:oid:2.16.840.1.113883.3.4424.1.1.616"
# Licence numbers (numer prawa wykonywania zawodu): doctors', and nurses' and midwives' registers.
NPWZ_DOCTOR = "urn:oid:2.16.840.1.113883.3.4424.1.6.2"
NPWZ_NURSE = "urn:oid:2.16.840.1.113883.3.4424.1.6.3"
SPECIALTY = "urn:oid:2.16.840.1.113883.3.4424.11.3.3"  # the national list of medical specialties
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD9PL = "urn:oid:2.16.840.1.113883.3.4424.11.2.6"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
GTIN = "urn:oid:1.3.160"  # GS1 Global Trade Item Number
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"


# ---- extensions ---------------------------------------------------------------------------------

def ext(name: str, **value) -> list[Extension]:
    """[Extension] with one value (valueString=..., valueInteger=...), or [] when the value is empty:
    an absent value and an empty one are the same to klinika, and FHIR forbids empty strings."""
    (kind, v), = value.items()
    if v is None or v == "" or v == []:
        return []
    return [Extension(url=ext_url(name), **{kind: v})]


def ext_group(name: str, parts: list[Extension]) -> list[Extension]:
    return [Extension(url=ext_url(name), extension=parts)] if parts else []


def find_ext(element, name: str) -> list[Extension]:
    url = ext_url(name)
    return [e for e in (getattr(element, "extension", None) or []) if e.url == url]


def ext_value(element, name: str, kind: str, default=None):
    found = find_ext(element, name)
    if not found:
        return default
    value = getattr(found[0], kind)
    return default if value is None else value


def part_value(group: Extension, name: str, kind: str, default=None):
    return ext_value(group, name, kind, default)


# ---- codes, identifiers, references -------------------------------------------------------------

def concept(system: str | None = None, code: str | None = None, display: str | None = None,
            text: str | None = None) -> CodeableConcept:
    coding = [Coding(system=system, code=code, display=display or None)] if code else None
    return CodeableConcept(coding=coding, text=text or None)


def code_of(cc: CodeableConcept | None, system: str, default: str = "") -> str:
    for coding in (cc.coding or []) if cc is not None else []:
        if coding.system == system and coding.code:
            return coding.code
    return default


def display_of(cc: CodeableConcept | None, system: str, default: str = "") -> str:
    for coding in (cc.coding or []) if cc is not None else []:
        if coding.system == system:
            return coding.display or default
    return default


def first_code(ccs, system: str, default: str = "") -> str:
    for cc in ccs or []:
        code = code_of(cc, system)
        if code:
            return code
    return default


def identifier(system: str, value: str, **more) -> Identifier:
    return Identifier(system=system, value=value, **more)


def identifier_value(identifiers, system: str, default: str = "") -> str:
    for item in identifiers or []:
        if item.system == system and item.value:
            return item.value
    return default


def ref(resource_type: str, fhir_id) -> Reference | None:
    return None if fhir_id in (None, "") else Reference(reference=f"{resource_type}/{fhir_id}")


def ref_id(reference: Reference | None, resource_type: str | None = None) -> str | None:
    """The id of a "Type/id" reference (None when absent or of another type)."""
    if reference is None or not reference.reference:
        return None
    kind, _sep, fhir_id = reference.reference.rpartition("/")
    if resource_type is not None and kind.rsplit("/", 1)[-1] != resource_type:
        return None
    return fhir_id or None


def fid(pk) -> str | None:
    """The FHIR id of a domain row: its primary key as text (ids are opaque; nothing personal in them)."""
    return None if pk is None else str(pk)


# ---- values ------------------------------------------------------------------------------------

def text(value) -> str:
    """A stored text, "" for none (an erased value never reaches a mapper: the export skips its row)."""
    return value if isinstance(value, str) else ""


def number(value):
    """A FHIR decimal back as klinika stores it: int when whole and given as int, else float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    return value


def aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def as_date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


# ---- people: users are named by their staff member's Practitioner -------------------------------

def staff_ids_of_users(user_ids) -> dict:
    """user pk -> the FHIR id of their Practitioner (their staff member's key), in one query."""
    from klinika.accounts.models import StaffMember

    wanted = {u for u in user_ids if u is not None}
    if not wanted:
        return {}
    return {user: fid(pk) for pk, user in StaffMember.objects.filter(user_id__in=wanted).values_list("pk", "user_id")}


def user_ref(user_id, people: dict | None):
    """A reference to the Practitioner of the user `user_id` (people: staff_ids_of_users' map)."""
    if user_id is None:
        return None
    people = staff_ids_of_users([user_id]) if people is None else people
    return ref("Practitioner", people.get(user_id))
