from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from apps.agreement import urls as agreement
from apps.analysis import urls as analysis
from apps.cases import urls as cases
from apps.coding import urls as coding
from apps.comparison import urls as comparison
from apps.exports import urls as exports
from apps.exports.urls import import_urlpatterns, job_urlpatterns
from apps.media import urls as media
from apps.projects.views import sign_in
from apps.search import urls as search
from apps.transcripts import urls as transcripts

from .api import api


def by_first_segment(patterns: list[URLPattern]) -> list[URLPattern | URLResolver]:
    """The patterns, those whose routes begin with the same word ("exports/...") nested
    under it: Django tries patterns one by one, and a page of the last app listed was
    matched after the eighty of the others on every request (#19). Their order within a
    word is kept; a route that begins with a converter would take precedence away from the
    words after it, so none may."""
    groups: dict[str, list[URLPattern]] = {}
    for pattern in patterns:
        word, slash, rest = str(pattern.pattern).partition("/")
        if not slash or not word or "<" in word:
            raise ImproperlyConfigured(f"A project's page must begin with a word and a slash: {pattern.pattern}")
        groups.setdefault(f"{word}/", []).append(path(rest, pattern.callback, pattern.default_args, pattern.name))
    return [path(word, include(group)) for word, group in groups.items()]


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="project_list", permanent=False)),
    path("accounts/login/", sign_in, name="login"),  # Django's LoginView, throttled
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("apps.home.urls")),  # the project home, one object's history, the Help page
    path("import/", include(import_urlpatterns)),  # .qdpx into a new project
    path("exports/", include(job_urlpatterns)),  # a large project's exports, made by the task worker
    path("projects/", include("apps.projects.urls")),
    # The pages of one project, every app's (apps.media's: a transcript's recording).
    path("projects/<slug:slug>/", include(by_first_segment(
        transcripts.urlpatterns + media.urlpatterns + cases.urlpatterns + coding.urlpatterns
        + analysis.urlpatterns + comparison.urlpatterns + agreement.urlpatterns + search.urlpatterns
        + exports.urlpatterns))),
]

# Django's own error answers render the same page as every other error (apps/projects/responses.py).
handler400 = "apps.projects.responses.bad_request"
handler403 = "apps.projects.responses.permission_denied"
handler404 = "apps.projects.responses.page_not_found"
