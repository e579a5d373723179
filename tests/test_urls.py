"""The pages of a project are grouped by the first word of their address (config/urls.py):
Django tries patterns one by one, so a page of the app listed last must not wait for
every pattern of the others on each request (#19)."""
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import path, resolve, resolvers, reverse

from config.urls import by_first_segment


def view(request, **kwargs):
    raise AssertionError("never called")


def patterns_tried(address: str, monkeypatch) -> int:
    tried = []
    match = resolvers.RoutePattern.match
    monkeypatch.setattr(resolvers.RoutePattern, "match", lambda self, p: tried.append(self) or match(self, p))
    resolve(address)
    return len(tried)


def test_a_page_of_the_last_app_is_found_among_the_pages_of_its_first_word(monkeypatch):
    codebook = reverse("exports_codebook", args=["study"])
    assert resolve(codebook).url_name == "exports_codebook"
    # The addresses outside a project, the project's words, then the five Exports pages at most.
    assert patterns_tried(codebook, monkeypatch) <= 40
    assert patterns_tried(reverse("transcript_detail", args=["study", 3]), monkeypatch) <= 40


def test_within_a_word_the_apps_order_is_kept_and_names_and_arguments_are_unchanged():
    grouped = by_first_segment([
        path("transcripts/import/", view, name="first"),
        path("cases/", view, name="cases"),
        path("transcripts/<int:pk>/", view, {"extra": 1}, name="second"),
    ])
    assert [str(group.pattern) for group in grouped] == ["transcripts/", "cases/"]
    assert [(str(p.pattern), p.name, p.default_args) for p in grouped[0].url_patterns] == [
        ("import/", "first", {}), ("<int:pk>/", "second", {"extra": 1})]


@pytest.mark.parametrize("route", ["<int:pk>/", "", "summary"])
def test_a_route_that_does_not_begin_with_a_word_and_a_slash_is_refused(route):
    with pytest.raises(ImproperlyConfigured):
        by_first_segment([path(route, view, name="odd")])
