"""The URL walker itself: without this, a pattern kind it mishandles would go untested."""
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import include, path, re_path, register_converter, resolve
from django.urls.resolvers import get_resolver

from tests.web.urlwalk import every_url


class YearConverter:
    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{value:04d}"


register_converter(YearConverter, "walk-test-year")


def view(request, **kwargs):
    return HttpResponse()


nested = [
    path("<int:pk>/", view, name="by-int"),
    path("<uuid:ref>/<slug:slug>/", view, name="by-uuid-slug"),
    re_path(r"^archive/(?P<code>[A-Z]{2}-\d{3})/$", view, name="by-regex"),
]
urlpatterns = [
    path("plain/", view, name="plain"),
    path("files/<path:rest>", view, name="by-path"),
    path("year/<walk-test-year:year>/", view, name="by-custom"),
    path("nested/<str:section>/", include(nested)),
    re_path(r"^old/", include([re_path(r"^(?P<n>\d+)$", view, name="old")])),
    *i18n_patterns(path("localised/", view, name="localised")),
]


def test_every_kind_of_pattern_gives_a_url_that_resolves_to_it():
    urlconf = __name__
    found = list(every_url(get_resolver(urlconf)))
    assert {p.name for _url, p in found} == {
        "plain", "by-path", "by-custom", "by-int", "by-uuid-slug", "by-regex", "old", "localised"}
    for url, pattern in found:
        assert resolve(url, urlconf=urlconf).url_name == pattern.name, url
