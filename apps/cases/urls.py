from django.urls import path

from . import views

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/add/", views.case_add, name="case_add"),
    path("cases/attributes/add/", views.attribute_add, name="attribute_add"),
    path("cases/values/", views.case_value, name="case_value_set"),
    path("cases/expert-values/", views.expert_value, name="expert_value_set"),
    path("cases/transcripts/", views.case_transcripts, name="case_transcripts_set"),
]
