"""Every URL the project serves, with sample values in its path converters.

Walks the root resolver at test time, so patterns added later (and included urlconfs) are
covered without anyone updating a list.
"""
import re
import re._constants as re_constants
import re._parser as re_parser
import uuid

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from hypothesis import find, settings
from hypothesis import strategies as st

SAMPLES = {
    IntConverter: "1",
    StringConverter: "sample",
    SlugConverter: "sample-slug",
    UUIDConverter: str(uuid.UUID(int=1)),
    PathConverter: "some/path",
}


def example_matching(regex: str) -> str:
    """A short string a regular expression accepts (for re_path and custom converters)."""
    candidate = _shortest(re_parser.parse(regex))
    if re.fullmatch(regex, candidate):
        return candidate
    # Lookarounds and the like: let Hypothesis search (slower, so only as a fallback).
    return find(st.from_regex(regex, fullmatch=True), lambda s: True, settings=settings(database=None))


def _char_in(items) -> str:
    if items and items[0][0] == re_constants.NEGATE:
        excluded = items[1:]
        return next(c for c in "a0-_" if not any(_char_in([item]) == c for item in excluded))
    op, arg = items[0]
    if op == re_constants.LITERAL:
        return chr(arg)
    if op == re_constants.RANGE:
        return chr(arg[0])
    return {re_constants.CATEGORY_DIGIT: "0", re_constants.CATEGORY_SPACE: " "}.get(arg, "a")


def _shortest(parsed) -> str:
    out = []
    for op, arg in parsed:
        if op == re_constants.LITERAL:
            out.append(chr(arg))
        elif op == re_constants.IN:
            out.append(_char_in(arg))
        elif op == re_constants.NOT_LITERAL:
            out.append("a" if arg != ord("a") else "b")
        elif op == re_constants.ANY:
            out.append("a")
        elif op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT, re_constants.POSSESSIVE_REPEAT):
            low, _high, body = arg
            out.append(_shortest(body) * max(low, 0))
        elif op == re_constants.SUBPATTERN:
            out.append(_shortest(arg[-1]))
        elif op == re_constants.BRANCH:
            out.append(_shortest(arg[1][0]))
        elif op == re_constants.CATEGORY:
            out.append(_char_in([(op, arg)]))
    return "".join(out)


def _sample(converter) -> str:
    return SAMPLES.get(type(converter)) or example_matching(converter.regex)


def fill(pattern) -> str:
    if isinstance(pattern, LocalePrefixPattern):
        return pattern.language_prefix
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:[^>:]+:)?([^>]+)>", lambda m: _sample(pattern.converters[m[1]]), str(pattern._route))
    if isinstance(pattern, RegexPattern):
        return example_matching(pattern._regex.lstrip("^").rstrip("$") or "")
    raise TypeError(f"unknown URL pattern type {type(pattern).__name__}: teach tests/web/urlwalk.py about it")


def every_url(resolver=None, prefix="/"):
    """(url, pattern) for every endpoint, included urlconfs too."""
    for entry in (resolver or get_resolver()).url_patterns:
        url = prefix + fill(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from every_url(entry, url)
        elif isinstance(entry, URLPattern):
            yield url, entry
