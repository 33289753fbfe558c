"""klinika-records/v1 as NDJSON files (one record a line, dates as ISO strings) in a directory,
and an anonymized run written into a signed dataset container."""
import datetime
import json
from collections.abc import Iterator
from pathlib import Path

from klinika.testdata.anonymize.pipeline import anonymize
from klinika.testdata.datasets.container import DatasetWriter, Signer

RECORD_FILES = ("patients", "appointments", "notes", "staff")
GENERATOR = "klinika-anonymize/1"


def _json_default(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a klinika-records/v1 value")


def read_ndjson(path: Path) -> Iterator[dict]:
    """The records of one NDJSON file, a line at a time (blank lines skipped); nothing if absent."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path.name} line {number} is not JSON ({exc.msg}): "
                                     f"each line of a klinika-records/v1 file is one record") from None


def write_ndjson(path: Path, records) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, default=_json_default) + "\n")
            count += 1
    return count


def anonymize_records_dir(source: Path, out: Path, *, recipient: bytes, signer: Signer, k: int = 5,
                          days: int = 30, today: datetime.date | None = None) -> dict:
    """Anonymize the NDJSON records in `source` (patients/appointments/notes/staff.ndjson) into a
    signed dataset at `out`, for the test environment whose recipient key is `recipient`.
    Nothing is written if the scanner finds a survivor (IdentifiersSurvived). Returns the report."""
    source = Path(source)
    if not (source / "patients.ndjson").exists():
        raise FileNotFoundError(f"{source} has no patients.ndjson: --from-records takes a directory of "
                                f"klinika-records/v1 files ({', '.join(f + '.ndjson' for f in RECORD_FILES)})")
    records, report = anonymize(read_ndjson(source / "patients.ndjson"), read_ndjson(source / "appointments.ndjson"),
                                read_ndjson(source / "notes.ndjson"), read_ndjson(source / "staff.ndjson"),
                                k=k, today=today)
    achieved = report["k_anonymity"]["k_achieved"] or k
    with DatasetWriter(out, origin="anonymized", recipient=recipient, generator=GENERATOR,
                       parameters={"k": k, "format": "klinika-records/v1"}, k=achieved, days=days) as writer:
        for name in RECORD_FILES:
            writer.add_records(f"{name}.jsonl", (json.loads(json.dumps(r, default=_json_default))
                                                 for r in records[name]))
        writer.add_file("report.json", [json.dumps(report, ensure_ascii=False, default=_json_default).encode()])
        writer.finish(signer)
    return report
