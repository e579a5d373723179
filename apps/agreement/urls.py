from django.urls import path

from . import views

urlpatterns = [
    path("agreement/", views.agreement, name="agreement"),
    path("agreement/engine/", views.agreement_engine, name="agreement_engine"),
    path("agreement/disagreements/", views.agreement_disagreements, name="agreement_disagreements"),
    path("agreement/settle/", views.agreement_settle, name="agreement_settle"),
    path("agreement/discuss/", views.agreement_discuss, name="agreement_discuss"),
]
