"""Admin for the comparison: factors, the researchers' judgments and the cases' set memberships."""
from django.contrib import admin

from .models import Factor, Judgment, OutcomeCalibration, SetMembership


@admin.register(Factor)
class FactorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "code", "attribute", "positive_values", "position"]
    list_select_related = ["project", "code", "attribute"]
    list_filter = ["project"]
    search_fields = ["label", "code__name", "attribute__name"]
    raw_id_fields = ["project", "code", "attribute"]


@admin.register(Judgment)
class JudgmentAdmin(admin.ModelAdmin):
    list_display = ["factor", "case", "judge", "value", "version", "updated_at"]
    list_select_related = ["factor__code", "factor__attribute", "case", "judge"]
    list_filter = ["project", "value"]
    search_fields = ["rationale", "case__name", "factor__label", "judge__username"]
    raw_id_fields = ["project", "factor", "case", "judge", "evidence"]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(OutcomeCalibration)
class OutcomeCalibrationAdmin(admin.ModelAdmin):
    list_display = ["project", "label", "positive_values"]
    list_select_related = ["project"]
    search_fields = ["label", "project__name"]
    raw_id_fields = ["project"]


@admin.register(SetMembership)
class SetMembershipAdmin(admin.ModelAdmin):
    list_display = ["case", "factor", "raw", "score", "set_by", "updated_at"]
    list_select_related = ["case", "factor__code", "factor__attribute", "set_by"]
    list_filter = ["project"]
    search_fields = ["case__name", "factor__label", "rationale", "raw_source"]
    raw_id_fields = ["project", "factor", "case", "set_by", "evidence"]
    readonly_fields = ["updated_at"]
