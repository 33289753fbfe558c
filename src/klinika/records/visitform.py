"""What the visit form shows and sends: texts, diagnosis rows (code, name, main) and procedure rows.

The form posts `diagnosis_code` (one per row), `main_diagnosis` (the main row's code) and
`procedure_code`; a code typed into a search box and not picked from the list is taken too, so
the form works without JavaScript.
"""
from dataclasses import dataclass, field

from klinika.records.codefiles import is_valid_code, normalise_code
from klinika.records.services import codes
from klinika.records.validators import TEXT_FIELDS


@dataclass
class VisitForm:
    interview: str = ""
    examination: str = ""
    recommendations: str = ""
    diagnoses: list = field(default_factory=list)  # [{"code", "name", "main", "unknown"}]
    procedures: list = field(default_factory=list)  # [{"code", "name", "unknown"}]
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_content(cls, content) -> "VisitForm":
        content = content if isinstance(content, dict) else {}
        return cls(**{name: content.get(name) or "" for name in TEXT_FIELDS},
                   diagnoses=[dict(d) for d in content.get("diagnoses") or []],
                   procedures=[dict(p) for p in content.get("procedures") or []])

    @classmethod
    def from_post(cls, post) -> "VisitForm":
        diagnosis_codes = _with_typed(codes.ICD10, post.getlist("diagnosis_code"), post.get("icd10_q", ""))
        procedure_codes = _with_typed(codes.ICD9PL, post.getlist("procedure_code"), post.get("icd9pl_q", ""))
        main = normalise_code(codes.ICD10, post.get("main_diagnosis", ""))
        if not main and len(diagnosis_codes) == 1:
            main = diagnosis_codes[0]  # one diagnosis is the main one, whether or not it was ticked
        names = _names(codes.ICD10, diagnosis_codes)
        procedure_names = _names(codes.ICD9PL, procedure_codes)
        return cls(
            **{name: post.get(name, "") for name in TEXT_FIELDS},
            diagnoses=[{"code": c, "name": names.get(c, ""), "main": c == main, "unknown": c not in names}
                       for c in diagnosis_codes],
            procedures=[{"code": c, "name": procedure_names.get(c, ""), "unknown": c not in procedure_names}
                        for c in procedure_codes],
        )

    @property
    def non_field_errors(self) -> list:
        return [m for name, messages in self.errors.items() if name not in (*TEXT_FIELDS, "diagnoses", "procedures")
                for m in messages]

    def data(self) -> dict:
        """The service's input."""
        return {
            **{name: getattr(self, name) for name in TEXT_FIELDS},
            "diagnoses": [{"code": d["code"], "main": bool(d.get("main"))} for d in self.diagnoses],
            "procedures": [{"code": p["code"]} for p in self.procedures],
        }


def _with_typed(system, picked, typed) -> list[str]:
    """The picked codes, and the search box's text when it is exactly a code on the list (a doctor who
    types "J06.9" and saves means it; a half-typed "j06" means nothing yet)."""
    result = []
    for code in (normalise_code(system, raw) for raw in picked):
        if code and code not in result:
            result.append(code)
    typed = normalise_code(system, typed)
    if typed and typed not in result and is_valid_code(system, typed) and codes.lookup(system, [typed]):
        result.append(typed)
    return result


def _names(system, wanted) -> dict[str, str]:
    return {code: row.name for code, row in codes.lookup(system, wanted).items()}
