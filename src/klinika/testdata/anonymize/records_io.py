"""klinika-records/v1 as NDJSON files (one record a line, dates as ISO strings) in a directory,
and records written into a signed dataset container: anonymized (`anonymize_to_dataset`), or as
they are (`write_records_dataset`, which both use: the benchmark's plain copy goes through it too).
"""
import datetime
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import orjson

from klinika.testdata.anonymize.pipeline import FILES, Anonymizer, IdentifiersSurvived, anonymized_files, run_report
from klinika.testdata.anonymize.production_scan import ProductionScanner
from klinika.testdata.anonymize.secret import RunSecret
from klinika.testdata.anonymize.statistics import Statistics, compare
from klinika.testdata.datasets.container import DatasetWriter, Signer

RECORD_FILES = FILES
LEGACY_FILES = ("patients", "appointments", "notes", "staff")  # always in a --from-records dataset
GENERATOR = "klinika-anonymize/1"
SCAN_CHUNK = 2000
STATISTICS_OF = {"staff": "add_staff", "patients": "add_patient", "appointments": "add_appointment",
                 "encounters": "add_encounter"}


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


def _lines(records: Iterable[Mapping], counted: dict, name: str) -> Iterator[bytes]:
    count = 0
    for record in records:
        count += 1
        # orjson writes dates, datetimes (with their offset) and times as ISO 8601 itself.
        yield orjson.dumps(record, default=_json_default) + b"\n"
    counted[name] = count


def write_records_dataset(records_by_file: Mapping[str, Iterable[Mapping]], out: str | Path, *, recipient: bytes,
                          signer: Signer, origin: str, generator: str, parameters: dict | None = None,
                          k: int | None = None, days: int = 30,
                          report: dict | Callable[[dict], dict] | None = None) -> dict[str, int]:
    """Each file's records as `NAME.jsonl` (streamed, encrypted chunk by chunk) in a signed dataset
    at `out`, for the test environment whose recipient key is `recipient`; then `report.json` if
    a report is given. `report` may be a function of the counts per file, called once every
    record is written and before anything is signed: if it raises, the half-written dataset is
    removed and nothing is signed (how the anonymizer refuses while an identifier survives).
    Returns the counts per file."""
    counts: dict[str, int] = {}
    with DatasetWriter(out, origin=origin, recipient=recipient, generator=generator,
                       parameters=parameters or {"format": "klinika-records/v1"}, k=k, days=days) as writer:
        for name, records in records_by_file.items():
            writer.add_file(f"{name}.jsonl", _lines(records, counts, name))
        if callable(report):
            report = report(dict(counts))
        if report is not None:
            writer.add_file("report.json", [orjson.dumps(report, default=_json_default)])
        writer.finish(signer, counts=counts)
    return counts


def _tapped(records: Iterable[Mapping], name: str, stats: Statistics) -> Iterator[Mapping]:
    """`records` as they are, each also counted into `stats` as it passes."""
    add = getattr(stats, STATISTICS_OF.get(name, ""), None)
    for record in records:
        if add is not None:
            add(record)
        yield record


def _scanned(records: Iterable[Mapping], name: str, scanner: ProductionScanner, found: list) -> Iterator[Mapping]:
    """`records` as they are, checked chunk by chunk against production's blind indexes and name
    lists as they pass (what `klinika testenv scan` does to a finished dataset)."""
    iterator = iter(records)
    while chunk := list(itertools.islice(iterator, SCAN_CHUNK)):
        found.extend(scanner.survivors_in(name, chunk))
        yield from chunk


def anonymize_to_dataset(source: Mapping[str, Iterable[Mapping]], out: str | Path, *, recipient: bytes,
                         signer: Signer, k: int = 5, days: int = 30, today: datetime.date | None = None,
                         other_people: Iterable[Mapping] = (), secret: RunSecret | None = None,
                         production_scanner: ProductionScanner | None = None) -> dict:
    """Anonymize klinika-records/v1 `source` ({file name: records}; patients and staff required,
    the others streamed) into a signed dataset at `out`. Every record is scanned as it is made;
    if any source identifier survived, IdentifiersSurvived is raised and the dataset is removed
    before anything is signed. With `production_scanner` (a live clinic's run), every record is
    also checked against production's blind indexes and name lists, with the same refusal. The
    run secret dies when this returns. Returns the report, which also compares the statistics
    of the source and of the dataset (`statistics.compare`)."""
    today = today or datetime.date.today()
    source_stats, dataset_stats = Statistics(today), Statistics(today)
    source = {name: _tapped(records, name, source_stats) for name, records in source.items()}
    run = Anonymizer(source.get("patients") or (), source.get("staff") or (), k=k, today=today, secret=secret,
                     other_people=other_people)
    found: list = []
    try:
        files, k_report = anonymized_files(run, source)
        files = {name: _tapped(records, name, dataset_stats) for name, records in files.items()}
        if production_scanner is not None:
            files = {name: _scanned(records, name, production_scanner, found) for name, records in files.items()}
        achieved = k_report["k_achieved"] or k
        result = {}

        def report(counts: dict) -> dict:
            result.update(run_report(run, k_report))
            if found:
                raise IdentifiersSurvived(found)
            if production_scanner is not None:
                result["scanner"]["production_blind_indexes"] = {
                    "clinics": [c.slug for c in production_scanner.clinics], "survivors": 0}
            result["statistics"] = compare(source_stats.summary(), dataset_stats.summary())
            return result

        write_records_dataset(files, out, recipient=recipient, signer=signer, origin="anonymized",
                              generator=GENERATOR, parameters={"k": k, "format": "klinika-records/v1"}, k=achieved,
                              days=days, report=report)
    finally:
        run.close()
    return result


def anonymize_records_dir(source: Path, out: Path, *, recipient: bytes, signer: Signer, k: int = 5,
                          days: int = 30, today: datetime.date | None = None) -> dict:
    """Anonymize the NDJSON records in `source` (patients/staff/appointments/notes.ndjson, and
    visit_types, weekly_hours, encounters, allergies, vitals.ndjson where present) into a signed
    dataset at `out`, for the test environment whose recipient key is `recipient`. Nothing is
    written if the scanner finds a survivor (IdentifiersSurvived). Returns the report."""
    source = Path(source)
    if not (source / "patients.ndjson").exists():
        raise FileNotFoundError(f"{source} has no patients.ndjson: --from-records takes a directory of "
                                f"klinika-records/v1 files ({', '.join(f + '.ndjson' for f in RECORD_FILES)})")
    records = {name: read_ndjson(source / f"{name}.ndjson") for name in RECORD_FILES
               if name in LEGACY_FILES or (source / f"{name}.ndjson").exists()}
    return anonymize_to_dataset(records, out, recipient=recipient, signer=signer, k=k, days=days, today=today)
