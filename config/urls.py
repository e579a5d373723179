from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from apps.exports.urls import import_urlpatterns, job_urlpatterns
from apps.projects.views import sign_in

from .api import api

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
    path("projects/<slug:slug>/", include("apps.transcripts.urls")),
    path("projects/<slug:slug>/", include("apps.media.urls")),  # a transcript's recording
    path("projects/<slug:slug>/", include("apps.cases.urls")),
    path("projects/<slug:slug>/", include("apps.coding.urls")),
    path("projects/<slug:slug>/", include("apps.analysis.urls")),
    path("projects/<slug:slug>/", include("apps.comparison.urls")),
    path("projects/<slug:slug>/", include("apps.agreement.urls")),
    path("projects/<slug:slug>/", include("apps.search.urls")),
    path("projects/<slug:slug>/", include("apps.exports.urls")),
]

# Django's own error answers render the same page as every other error (apps/projects/responses.py).
handler400 = "apps.projects.responses.bad_request"
handler403 = "apps.projects.responses.permission_denied"
handler404 = "apps.projects.responses.page_not_found"
