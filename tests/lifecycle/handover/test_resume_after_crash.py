"""An export interrupted after some files and run again ends byte for byte like one that was never
interrupted, without writing any finished file again; a file cut off half-way is written again."""
import pytest
from django.db import transaction

from klinika.lifecycle.handover.services import export_clinic
from klinika.lifecycle.handover.steps import default_steps
from tests.lifecycle.handover.conftest import FIXED_NOW, tree

pytestmark = pytest.mark.django_db


class Crash(Exception):
    pass


def _uninterrupted(clinic, out):
    """Run in a savepoint that is rolled back: its audit events and key reads leave the database as it
    was, so the interrupted run starts from the same state (the files stay on disk)."""
    with pytest.raises(Crash):
        with transaction.atomic():
            export_clinic(clinic, out, now=FIXED_NOW)
            raise Crash


def test_resumed_export_is_identical_and_redoes_nothing(exportable, tmp_path):
    clinic = exportable.clinic
    reference = tmp_path / "reference"
    _uninterrupted(clinic, reference)
    expected = tree(reference)

    out = tmp_path / "resumed"
    first_run = []

    def crash_after_seven(finished):
        first_run.append(finished.path)
        if len(first_run) == 7:
            raise Crash

    with pytest.raises(Crash):
        export_clinic(clinic, out, now=FIXED_NOW, after_file=crash_after_seven)
    assert not (out / "manifest.json").exists()
    written_first = {path: (out / path).stat().st_mtime_ns for path in first_run}

    second_run = []
    result = export_clinic(clinic, out, after_file=lambda finished: second_run.append(finished.path))
    assert result.resumed
    assert not set(second_run) & set(first_run)  # nothing finished was written again
    assert len(first_run) + len(second_run) == len(expected) - 1  # every file once (manifest aside)
    assert {path: (out / path).stat().st_mtime_ns for path in first_run} == written_first
    assert tree(out) == expected  # byte for byte, the manifest included


class CutOff(Exception):
    pass


def test_a_half_written_file_is_written_again(exportable, tmp_path):
    """The crash comes inside a file: its .part is left behind, the rerun writes it from the start."""
    clinic = exportable.clinic
    reference = tmp_path / "reference"
    _uninterrupted(clinic, reference)

    steps = default_steps()
    audit = steps[-1]
    original = audit.files

    def files_cut_inside_events(ctx, after):
        for item in original(ctx, after):
            if item.path == "audit/events.ndjson":
                def cut(chunks=item.chunks):
                    for chunk in chunks:
                        yield chunk[: len(chunk) // 2]
                        raise CutOff
                item.chunks = cut()
            yield item

    audit.files = files_cut_inside_events
    out = tmp_path / "cut"
    with pytest.raises(CutOff):
        export_clinic(clinic, out, now=FIXED_NOW, steps=steps)
    assert (out / "audit" / "events.ndjson.part").exists()
    assert not (out / "audit" / "events.ndjson").exists()

    again = []
    export_clinic(clinic, out, after_file=lambda finished: again.append(finished.path))
    assert again[0] == "audit/events.ndjson"
    assert tree(out) == tree(reference)  # the .part is gone, the file whole


def test_pdfs_laid_out_by_worker_processes_are_the_same_bytes(exportable, tmp_path, monkeypatch):
    """Large exports lay out their PDFs in worker processes; the files do not change with it."""
    from klinika.lifecycle.handover import pdfworkers

    inline, pooled = tmp_path / "inline", tmp_path / "pooled"
    _uninterrupted(exportable.clinic, inline)
    monkeypatch.setattr(pdfworkers, "INLINE_FIRST", 0)
    with pytest.raises(Crash):
        with transaction.atomic():
            export_clinic(exportable.clinic, pooled, now=FIXED_NOW, pdf_workers=2)
            raise Crash
    assert tree(pooled) == tree(inline)
