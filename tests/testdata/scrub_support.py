"""Helpers of the scrubber's tests: scrub with patterns only, and what kinds were found."""
from klinika.testdata.scrub import Scrubber

PATTERNS_ONLY = Scrubber()


def kinds(text: str, scrubber: Scrubber = PATTERNS_ONLY) -> list[tuple[str, str]]:
    """(kind, the text found) for each finding, in order."""
    return [(f.kind, text[f.start:f.end]) for f in scrubber.find(text)]


def clean(text: str, scrubber: Scrubber = PATTERNS_ONLY) -> str:
    return scrubber.scrub(text)[0]
