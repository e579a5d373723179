"""Frequencies, the code x case matrix, co-occurrence, downloads, and the review."""
from django.urls import path

from .views.cooccurrence import cooccurrence, cooccurrence_excerpts
from .views.downloads import download
from .views.frequencies import frequencies
from .views.matrix import matrix, matrix_excerpts
from .views.review import comment_add, comment_resolve, review, review_status

urlpatterns = [
    path("analysis/frequencies/", frequencies, name="analysis_frequencies"),
    path("analysis/matrix/", matrix, name="analysis_matrix"),
    path("analysis/matrix/excerpts/", matrix_excerpts, name="analysis_matrix_excerpts"),
    path("analysis/co-occurrence/", cooccurrence, name="analysis_cooccurrence"),
    path("analysis/co-occurrence/excerpts/", cooccurrence_excerpts, name="analysis_cooccurrence_excerpts"),
    path("analysis/download/<slug:table>.<str:fmt>", download, name="analysis_download"),
    path("review/", review, name="review_dashboard"),
    path("review/status/", review_status, name="review_status"),
    path("review/comments/", comment_add, name="review_comment_add"),
    path("review/comments/<int:pk>/resolve/", comment_resolve, name="review_comment_resolve"),
]
