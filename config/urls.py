from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from .api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="project_list", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("projects/", include("apps.projects.urls")),
    path("projects/<slug:slug>/", include("apps.transcripts.urls")),
    path("projects/<slug:slug>/", include("apps.cases.urls")),
    path("projects/<slug:slug>/", include("apps.coding.urls")),
    path("projects/<slug:slug>/", include("apps.analysis.urls")),
    path("projects/<slug:slug>/", include("apps.exports.urls")),
]
