"""Free-text scrubbing for the anonymizer: a person's own identifiers, the clinic's name lists
(in every inflected form), then Polish identifier patterns with their check digits.

Pure functions over strings: no database, no Django. `Scrubber(own_identifiers=…,
name_lists=…).scrub(text)` returns the text with typed placeholders (`[PESEL]`, `[IMIĘ]`,
`[TELEFON]` …) and the findings (kind and span, never the value).
"""
from klinika.testdata.scrub.scrubber import Finding, NameLists, OwnIdentifiers, Scrubber, placeholder

__all__ = ["Finding", "NameLists", "OwnIdentifiers", "Scrubber", "placeholder"]
