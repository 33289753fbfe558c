"""Message texts, rendered from templates in templates/notify/messages/ in the clinic's language.

A text is built only from what its caller passes in: the templates get no model objects,
so they cannot reach the patient's name, the specialty or the reason for a visit.
"""
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render(name: str, context: dict[str, str], language: str | None = None) -> str:
    """`notify/messages/<name>.txt`, whitespace-trimmed; `context` holds plain strings only."""
    if any(not isinstance(value, str) for value in context.values()):
        raise TypeError("message templates take plain strings only, never model objects")
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string(f"notify/messages/{name}.txt", context).strip()
