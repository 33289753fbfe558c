"""Checking a handover export against its manifest (Contract B), with nothing but the files:
every listed file present with its size and SHA-256, nothing on disk that the manifest does not
list, the manifest complete. Each problem names the file."""
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from klinika.lifecycle.handover.container import BLOCK, FORMAT, MANIFEST, check_path


@dataclass
class VerifyReport:
    directory: Path
    manifest: dict | None = None
    manifest_sha256: str = ""
    files: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def file_sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def verify_export(directory) -> VerifyReport:
    root = Path(directory)
    report = VerifyReport(root)
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        report.problems.append(f"{MANIFEST}: missing; {root} is not a finished handover export")
        return report
    body = manifest_path.read_bytes()
    report.manifest_sha256 = hashlib.sha256(body).hexdigest()
    try:
        manifest = json.loads(body)
        entries = manifest["files"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        report.problems.append(f"{MANIFEST}: not a handover manifest (unreadable JSON or no list of files)")
        return report
    report.manifest = manifest
    if manifest.get("format") != FORMAT:
        report.problems.append(f"{MANIFEST}: format {manifest.get('format')!r} is not {FORMAT}")
    if manifest.get("complete") is not True:
        report.problems.append(f"{MANIFEST}: the export is not complete (complete is not true): run the "
                               f"export again to finish it")
    listed = set()
    for entry in entries:
        path = entry.get("path") if isinstance(entry, dict) else None
        try:
            check_path(path or "")
        except ValueError:
            report.problems.append(f"{MANIFEST}: lists {path!r}, which is not a path inside the export")
            continue
        if path in listed:
            report.problems.append(f"{path}: listed twice in {MANIFEST}")
            continue
        listed.add(path)
        report.files += 1
        file = root / path
        if not file.is_file():
            report.problems.append(f"{path}: missing (listed in {MANIFEST})")
            continue
        sha256, size = file_sha256(file)
        report.bytes += size
        if size != entry.get("bytes"):
            report.problems.append(f"{path}: {size} bytes, the manifest says {entry.get('bytes')}")
        if sha256 != entry.get("sha256"):
            report.problems.append(f"{path}: SHA-256 differs from the manifest (the file was changed or damaged)")
    for file in sorted(root.rglob("*")):
        if file.is_file() or file.is_symlink():
            relative = file.relative_to(root).as_posix()
            if relative != MANIFEST and relative not in listed:
                report.problems.append(f"{relative}: on disk but not listed in {MANIFEST}")
    return report
