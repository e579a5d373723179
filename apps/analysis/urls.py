"""Frequencies, the code x case matrix, co-occurrence, downloads, and the review."""
from django.urls import path

from . import views

urlpatterns = [
    path("analysis/frequencies/", views.frequencies, name="analysis_frequencies"),
    path("analysis/matrix/", views.matrix, name="analysis_matrix"),
    path("analysis/matrix/excerpts/", views.matrix_excerpts, name="analysis_matrix_excerpts"),
    path("analysis/co-occurrence/", views.cooccurrence, name="analysis_cooccurrence"),
    path("analysis/co-occurrence/excerpts/", views.cooccurrence_excerpts, name="analysis_cooccurrence_excerpts"),
    path("analysis/download/<slug:table>.<str:fmt>", views.download, name="analysis_download"),
    path("review/", views.review, name="review_dashboard"),
    path("review/status/", views.review_status, name="review_status"),
    path("review/comments/", views.comment_add, name="review_comment_add"),
    path("review/comments/<int:pk>/resolve/", views.comment_resolve, name="review_comment_resolve"),
]
