from django.urls import path

from . import views

urlpatterns = [
    path("transcripts/<int:pk>/", views.transcript_detail, name="transcript_detail"),
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/trash/", views.segment_trash, name="segment_trash"),
    path("segments/<int:pk>/restore/", views.segment_restore_view, name="segment_restore"),
]
