"""{{ document|status_text:"rx" }}: a document's status in words (klinika.edocs.statuses)."""
from django import template

from klinika.edocs import statuses

register = template.Library()


@register.filter
def status_text(document, kind):
    return statuses.describe_document(kind, document)


@register.filter
def status_word(status, kind):
    """A bare status code (the history's from/to) in words."""
    return statuses.describe(kind, status) if status else ""
