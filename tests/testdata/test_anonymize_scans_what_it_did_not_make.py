"""The anonymizer's scanner passes over only what the run made itself (keyed ids and references,
dates it shifted): a field copied through from the source, such as an appointment's status or a
visit code, is still searched, and a source identifier there refuses the run."""
import pytest

from klinika.testdata.anonymize import IdentifiersSurvived, anonymize
from tests.testdata.anonymize_support import REFERENCE_DATE, clinic


@pytest.mark.parametrize("field, planted", [("status", "email"), ("status", "phone"), ("visit_type", None)])
def test_a_source_identifier_in_a_copied_field_refuses_the_run(field, planted):
    source = clinic()
    person = next(p for p in source["patients"] if p["email"] and p["phone"])
    appointment = dict(next(a for a in source["appointments"] if a["patient"] == source["patients"][0]["id"]))
    if planted:
        appointment[field] = person[planted]
        with pytest.raises(IdentifiersSurvived) as refused:
            anonymize(source["patients"], [appointment], [], source["staff"], today=REFERENCE_DATE)
        assert [(s.record_type, s.field) for s in refused.value.survivors] == [("appointments", field)]
        assert person[planted] not in str(refused.value)
    else:  # a reference is the run's own keyed id, whatever the source's id looked like
        appointment[field] = person["phone"]
        records, _report = anonymize(source["patients"], [appointment], [], source["staff"], today=REFERENCE_DATE)
        assert person["phone"] not in str(records["appointments"])
