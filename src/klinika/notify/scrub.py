"""Gateway error reasons are stored and audited in clear: take contact data out of them first."""
import re

_EMAIL = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+")
_DIGIT_RUN = re.compile(r"\+?\d[\d \-().]{5,}\d")


def scrub(reason: str, *contacts: str) -> str:
    text = str(reason or "")
    for contact in contacts:
        if contact:
            text = text.replace(contact, "***")
    text = _EMAIL.sub("***", text)
    text = _DIGIT_RUN.sub("***", text)
    return text[:300]
