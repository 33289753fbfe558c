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
    # in every appointment: k-anonymity (under the run's random secret) may drop any one patient
    appointments = [dict(a, **{field: person[planted or "phone"]}) for a in source["appointments"]]
    if planted:
        with pytest.raises(IdentifiersSurvived) as refused:
            anonymize(source["patients"], appointments, [], source["staff"], today=REFERENCE_DATE)
        found = {(s.record_type, s.field) for s in refused.value.survivors}
        assert found == {("appointments", field)} and len(refused.value.survivors) > len(appointments) // 2
        assert person[planted] not in str(refused.value)
    else:  # a reference is the run's own keyed id, whatever the source's id looked like
        records, _report = anonymize(source["patients"], appointments, [], source["staff"], today=REFERENCE_DATE)
        assert records["appointments"] and person["phone"] not in str(records["appointments"])
