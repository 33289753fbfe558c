"""What a tester measures survives anonymization within the stated tolerances
(`testdata.anonymize.statistics`): age/sex structure, visits per patient, appointment lead times,
the no-show rate and the commonest diagnoses per specialty, computed here independently on the
clinic's export and on the decrypted dataset, and reported by the anonymizer."""
import datetime

import pytest

from klinika.tenancy.context import clinic_context
from klinika.testdata.anonymize.statistics import TOLERANCES, Statistics, compare
from klinika.testdata.export import ClinicExport, anonymize_clinic, export_files
from tests.testdata.live_clinic_support import build, factory_and_recipient, read_dataset, records_of

pytestmark = pytest.mark.django_db


def test_statistics_survive_within_tolerances(tmp_path):
    clinic, _planted = build(patients=600)
    today = datetime.date.today()
    with clinic_context(clinic):
        export = ClinicExport(clinic)
        source = Statistics(today).feed({name: list(items) for name, items in export_files(
            export, export.staff(), export.patients()).items()}).summary()
    signer, recipient = factory_and_recipient()
    report = anonymize_clinic(clinic, tmp_path / "anon.tar", recipient=recipient.public_key().public_bytes_raw(),
                              signer=signer, today=today)
    dataset = Statistics(today).feed(records_of(read_dataset(tmp_path / "anon.tar", signer, recipient))).summary()

    measured = compare(source, dataset)
    assert measured == report["statistics"]  # the report states what an independent count finds
    assert measured["all_held"], measured
    assert source["visits_per_patient"] > 0.5 and 0.02 < source["no_show_rate"] < 0.2
    assert source["lead_time_days"]["p90"] > source["lead_time_days"]["median"] > 0
    assert len(source["top_diagnoses"]) >= 2 and len(source["age_sex"]) >= 10
    # The tolerances are real limits, not a formality: a dataset that moved is caught.
    moved = dict(dataset, no_show_rate=dataset["no_show_rate"] + 2 * TOLERANCES["no_show_rate"])
    assert not compare(source, moved)["no_show_rate"]["held"]
    assert not compare(source, moved)["all_held"]
