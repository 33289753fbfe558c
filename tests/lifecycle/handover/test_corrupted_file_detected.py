"""One changed byte, a missing file or an unlisted one: verify_export names the file, and
`klinika clinic verify-export` fails."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from klinika.lifecycle.handover.services import export_clinic
from klinika.lifecycle.handover.verify import verify_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def out(exportable, tmp_path):
    out = tmp_path / "export"
    export_clinic(exportable.clinic, out)
    assert verify_export(out).ok
    return out


def test_one_flipped_byte_is_named(out, capsys):
    target = sorted((out / "patients").iterdir())[2]
    name = f"patients/{target.name}"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify_export(out)
    assert not report.ok
    assert report.problems == [f"{name}: SHA-256 differs from the manifest (the file was changed or damaged)"]
    with pytest.raises(CommandError, match="1 problem"):
        call_command("clinic", "verify-export", str(out))
    assert name in capsys.readouterr().err


def test_missing_and_extra_files_are_named(out):
    (out / "audit" / "checkpoints.ndjson").unlink()
    (out / "documents" / "notes.txt").write_text("not from the export")
    problems = verify_export(out).problems
    assert "audit/checkpoints.ndjson: missing (listed in manifest.json)" in problems
    assert "documents/notes.txt: on disk but not listed in manifest.json" in problems


def test_a_truncated_file_is_named_by_size(out):
    target = out / "audit" / "events.ndjson"
    target.write_bytes(target.read_bytes()[:-10])
    problems = verify_export(out).problems
    assert any(p.startswith("audit/events.ndjson: ") and "bytes, the manifest says" in p for p in problems)


def test_an_unfinished_export_does_not_verify(exportable, tmp_path):
    out = tmp_path / "half"

    def crash(finished):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_clinic(exportable.clinic, out, after_file=crash)
    assert verify_export(out).problems == ["manifest.json: missing; %s is not a finished handover export" % out]
