"""Analysis pages (frequencies, matrix, co-occurrence, review) and the comparison pages."""
from django.urls import include, path

urlpatterns = [
    path("", include("apps.analysis.urls_analysis")),
    path("", include("apps.analysis.urls_comparison")),
    path("", include("apps.analysis.urls_agreement")),
]
