from django.urls import path

from .views.agreement import judgment_agreement
from .views.judgments import judgment_adopt, judgment_cell, judgment_grid
from .views.mssd import mssd, mssd_export
from .views.qca import qca_csv, qca_page
from .views.sets import factor_calibration, outcome_calibration, set_analysis, set_export
from .views.setup import comparison_setup

urlpatterns = [
    path("comparison/", comparison_setup, name="comparison_setup"),
    path("comparison/judgments/", judgment_grid, name="judgment_grid"),
    path("comparison/judgments/<int:factor_id>/<int:case_id>/", judgment_cell, name="judgment_cell"),
    path("comparison/judgments/<int:factor_id>/<int:case_id>/adopt/", judgment_adopt, name="judgment_adopt"),
    path("comparison/mssd/", mssd, name="mssd_table"),
    path("comparison/mssd.<str:fmt>", mssd_export, name="mssd_export"),
    path("comparison/qca/", qca_page, name="qca_page"),
    path("comparison/qca.csv", qca_csv, name="qca_csv"),
    path("comparison/calibration/<int:factor_id>/", factor_calibration, name="factor_calibration"),
    path("comparison/calibration/outcome/", outcome_calibration, name="outcome_calibration"),
    path("comparison/sets/", set_analysis, name="set_analysis"),
    path("comparison/sets/download/<str:fmt>", set_export, name="set_export"),
    path("comparison/agreement/", judgment_agreement, name="judgment_agreement"),
]
