from django.urls import path

from . import views

urlpatterns = [
    path("comparison/", views.comparison_setup, name="comparison_setup"),
    path("comparison/judgments/", views.judgment_grid, name="judgment_grid"),
    path("comparison/judgments/<int:factor_id>/<int:case_id>/", views.judgment_cell, name="judgment_cell"),
    path("comparison/judgments/<int:factor_id>/<int:case_id>/adopt/", views.judgment_adopt, name="judgment_adopt"),
    path("comparison/mssd/", views.mssd, name="mssd_table"),
    path("comparison/mssd.<str:fmt>", views.mssd_export, name="mssd_export"),
    path("comparison/qca/", views.qca_page, name="qca_page"),
    path("comparison/qca.csv", views.qca_csv, name="qca_csv"),
    path("comparison/agreement/", views.judgment_agreement, name="judgment_agreement"),
]
