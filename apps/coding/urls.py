from django.urls import path

from . import views

urlpatterns = [
    path("transcripts/<int:pk>/", views.transcript_detail, name="transcript_detail"),
    path("transcripts/<int:pk>/edit/", views.transcript_edit, name="transcript_edit"),
    path("transcripts/<int:pk>/edits/<int:activity_id>/", views.transcript_edit_summary,
         name="transcript_edit_summary"),
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/trash/", views.segment_trash, name="segment_trash"),
    path("segments/<int:pk>/restore/", views.segment_restore_view, name="segment_restore"),
]
