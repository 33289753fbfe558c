"""Free-text scrubbing: klinika's scrubber against Microsoft Presidio on generated Polish notes.

    python bench/scrub_vs_presidio.py [--notes 2000] [--seed 1] [--presidio-notes 600] [--repeats 3] [--json FILE]

Both scrub the same generated corpus (`tests/support/scrub_corpus.py`: visit notes with planted
identifiers and their labels, no real data). Reported for each: recall of planted identifiers
(a label counts when every character of it was removed), per kind; precision (a finding
counts when it overlaps a label); clinical words destroyed; throughput in MB/s of UTF-8 text
(best of `--repeats`). klinika's scrubber runs as the anonymizer will: the clinic's name lists
built once (timed apart), then for each note a scrubber with the patient's own identifiers.
Presidio runs analyze + anonymize (replace) per note, configured as RECIPES.md says: its
predefined recognisers for Polish (PL_PESEL, e-mail, phone, …) on a blank Polish spaCy
pipeline, since no spaCy model can be downloaded here (so no NER for names).
Target (issue 9): recall ≥ 99.5 % and ≥ 10× Presidio's throughput.

Presidio and spaCy are bench-only, not in pyproject.toml. Install them into the venv with:

    .venv/bin/pip install presidio-analyzer==2.2.366 && .venv/bin/pip install --no-deps presidio-anonymizer==2.2.366

(`--no-deps` because presidio-anonymizer 2.2.366 asks for cryptography>=50 while klinika pins
48.0.0; the anonymizer's replace operator does not use it. If pip has already upgraded
cryptography, put it back with `.venv/bin/pip install cryptography==48.0.0`.)
"""
import argparse
import json
import logging
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from klinika.testdata.scrub import NameLists, Scrubber  # noqa: E402
from tests.support.scrub_corpus import generate_corpus, score  # noqa: E402

RECALL_TARGET, SPEED_TARGET = 0.995, 10.0


def _best(repeats: int, run) -> tuple[float, list]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_klinika(corpus, repeats: int) -> dict:
    build, lists = _best(repeats, lambda: NameLists.from_people(corpus.people))
    clinic = Scrubber(name_lists=lists)

    def run():
        # As the anonymizer does: one scrubber per patient (own identifiers prepared once), all
        # of the patient's texts through it.
        per_patient, spans = {}, []
        for note in corpus.notes:
            scrubber = per_patient.get(id(note.own))
            if scrubber is None:
                scrubber = per_patient[id(note.own)] = clinic.with_own(note.own)
            spans.append([f.span for f in scrubber.scrub(note.text)[1]])
        return spans

    seconds, spans = _best(repeats, run)
    patterns_only = Scrubber()
    seconds_patterns, _ = _best(repeats, lambda: [patterns_only.scrub(n.text) for n in corpus.notes])
    size = corpus.text_bytes
    return score(corpus, spans) | {
        "seconds": seconds, "mb_per_s": size / seconds / 1e6, "mb_per_s_patterns_only": size / seconds_patterns / 1e6,
        "name_lists_build_seconds": build, "name_list_forms": len(lists), "people_in_lists": len(corpus.people)}


def presidio_engines():
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_anonymizer import AnonymizerEngine

    path = Path(tempfile.mkdtemp(prefix="blank-pl-"))
    spacy.blank("pl").to_disk(path)
    engine = SpacyNlpEngine(models=[{"lang_code": "pl", "model_name": str(path)}])
    registry = RecognizerRegistry(supported_languages=["pl"])
    registry.load_predefined_recognizers(languages=["pl"])
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["pl"])
    return analyzer, AnonymizerEngine(), sorted({e for r in registry.recognizers for e in r.supported_entities})


def bench_presidio(corpus, repeats: int) -> dict:
    analyzer, anonymizer, entities = presidio_engines()
    analyzer.analyze(corpus.notes[0].text, language="pl")  # loads and warms up outside the timing

    def run():
        spans = []
        for note in corpus.notes:
            results = analyzer.analyze(note.text, language="pl")
            anonymizer.anonymize(note.text, results)
            spans.append([(r.start, r.end) for r in results])
        return spans

    seconds, spans = _best(repeats, run)
    return score(corpus, spans) | {"seconds": seconds, "mb_per_s": corpus.text_bytes / seconds / 1e6,
                                   "entities": entities}


def machine() -> dict:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    keep = ("Architecture", "CPU(s)", "Model name", "Thread(s) per core", "CPU max MHz", "L2 cache", "L3 cache")
    info = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lscpu.splitlines())
            if k.strip() in keep}
    versions = {"python": platform.python_version()}
    for package in ("presidio_analyzer", "presidio_anonymizer", "spacy"):
        try:
            versions[package] = __import__(package).__version__
        except (ImportError, AttributeError):
            from importlib.metadata import version
            try:
                versions[package] = version(package.replace("_", "-"))
            except Exception:  # noqa: BLE001 - reported, not needed
                versions[package] = "not installed"
    return {"lscpu": info, "versions": versions}


def _row(name: str, r: dict) -> str:
    return (f"{name:<22} recall {r['recall'] * 100:6.2f} %  precision {r['precision'] * 100:6.2f} %  "
            f"clinical words destroyed {r['clinical_words_destroyed']}/{r['clinical_words']}  "
            f"{r['mb_per_s']:8.3f} MB/s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--presidio-notes", type=int, default=600,
                        help="Presidio scrubs the first N notes of the same corpus (it is slow); MB/s compare")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # Presidio's warnings about the offline public-suffix list

    corpus = generate_corpus(notes=args.notes, seed=args.seed)
    print(f"corpus: {len(corpus.notes)} notes, {corpus.text_bytes / 1e6:.3f} MB, "
          f"{sum(len(n.labels) for n in corpus.notes)} planted identifiers, {len(corpus.people)} people in the lists")
    ours = bench_klinika(corpus, args.repeats)
    print(_row("klinika scrubber", ours))
    print(f"{'':<22} patterns only {ours['mb_per_s_patterns_only']:.3f} MB/s; name lists of "
          f"{ours['people_in_lists']} people ({ours['name_list_forms']} forms) built in "
          f"{ours['name_lists_build_seconds'] * 1000:.1f} ms")
    print(f"{'':<22} per kind (found/planted): {ours['per_kind']}")

    subset = type(corpus)(corpus.notes[:args.presidio_notes], corpus.people, corpus.staff)
    # the same notes for our recall on the subset, so the recall columns compare like with like
    ours_subset = bench_klinika(subset, 1)
    theirs = bench_presidio(subset, args.repeats)
    print(f"on the first {len(subset.notes)} notes ({subset.text_bytes / 1e6:.3f} MB):")
    print(_row("klinika scrubber", ours_subset))
    print(_row("Presidio (blank pl)", theirs))
    print(f"{'':<22} per kind (found/planted): {theirs['per_kind']}")
    speed = ours["mb_per_s"] / theirs["mb_per_s"]
    print(f"throughput ratio klinika/Presidio: {speed:.1f}x (target >= {SPEED_TARGET:.0f}x) "
          f"{'PASS' if speed >= SPEED_TARGET else 'FAIL'}")
    print(f"recall klinika: {ours['recall'] * 100:.2f} % (target >= {RECALL_TARGET * 100:.1f} %) "
          f"{'PASS' if ours['recall'] >= RECALL_TARGET else 'FAIL'}; Presidio: {theirs['recall'] * 100:.2f} %")
    result = {"args": vars(args) | {"json": str(args.json) if args.json else None}, "machine": machine(),
              "klinika": ours, "klinika_subset": ours_subset, "presidio": theirs, "speed_ratio": speed}
    print(json.dumps(result["machine"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0 if speed >= SPEED_TARGET and ours["recall"] >= RECALL_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
