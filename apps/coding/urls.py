from django.urls import path

from . import views

urlpatterns = [
    path("transcripts/<int:pk>/", views.transcript_detail, name="transcript_detail"),
]
