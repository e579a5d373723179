"""request_floor: the fixed cost of a request, and what each piece adds on top (issue #19).

Through Django's test client with the production settings, signed in: a view that does
nothing behind the whole middleware stack (the floor), the same view without each
middleware in turn (what that middleware costs), the access check (`project_for`), a page
rendered from base.html, and a trivial API call (the primary coder) through django-ninja.
The session store and the user's row are read by the floor already (its queries say so).
The project's size does not enter: one small project.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import render
from django.test import Client, override_settings
from django.urls import include, path

from . import timed
from .workspace import count_queries

REPEAT = 200
SLUG = "request-floor"


def nothing(request):
    return HttpResponse(b"", content_type="text/plain")


def access(request, slug):
    from apps.projects.access import project_for

    project_for(request.user, slug)
    return HttpResponse(b"", content_type="text/plain")


def page(request, slug):
    """base.html around an empty page, as every page of a project has it."""
    from apps.projects.access import project_for

    return render(request, "base.html", {"project": project_for(request.user, slug)})


# This module is the URLconf of the timed requests: the app's URLs plus the three above.
urlpatterns = [
    path("floor/nothing/", nothing),
    path("floor/<slug:slug>/access/", access),
    path("floor/<slug:slug>/page/", page),
    path("", include(settings.ROOT_URLCONF)),
]


def run(report) -> None:
    from apps.projects.services import project_create

    user = get_user_model().objects.create_user(username="bench-floor", password="bench-password-0000")
    project_create(name="Request floor", owner=user)
    slug = user.memberships.get().project.slug
    scale = report.scales[0]

    def measure(name: str, url: str, middleware=None):
        with override_settings(ROOT_URLCONF=__name__, **({"MIDDLEWARE": middleware} if middleware else {})):
            client = Client()
            client.force_login(user)

            def call():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            call()  # the middleware chain, templates and URL resolvers are loaded once per process
            queries = count_queries(call)
            return report.add(f"request_floor: {name}", scale, samples_ms=timed(call, REPEAT), queries=queries)

    floor = measure("nothing, signed in (the floor)", "/floor/nothing/")
    for middleware in settings.MIDDLEWARE:
        if middleware.endswith(("SessionMiddleware", "AuthenticationMiddleware", "CsrfViewMiddleware",
                                "MessageMiddleware")):
            continue  # signing in needs them (their cost: the floor's queries, the session and the user)
        without = measure(f"  without {middleware.rsplit('.', 1)[1]}", "/floor/nothing/",
                          [m for m in settings.MIDDLEWARE if m != middleware])
        print(f"    -> {middleware.rsplit('.', 1)[1]} costs {floor.median_ms - without.median_ms:+.3f} ms")
    measure("nothing + access check (project_for)", f"/floor/{slug}/access/")
    measure("base.html page (access check + template)", f"/floor/{slug}/page/")
    measure("trivial API call (primary coder)", f"/api/projects/{slug}/primary-coder")
