"""Admin for cases and the typed attributes of cases and experts."""
from django.contrib import admin

from .models import Attribute, Case, CaseValue, ExpertValue


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "applies_to", "type", "is_outcome", "position"]
    list_select_related = ["project"]
    list_filter = ["applies_to", "type", "is_outcome", "project"]
    search_fields = ["name", "project__name"]
    raw_id_fields = ["project"]


class CaseValueInline(admin.TabularInline):
    model = CaseValue
    extra = 0
    raw_id_fields = ["attribute"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "position"]
    list_select_related = ["project"]
    list_filter = ["project"]
    search_fields = ["name", "description", "project__name"]
    raw_id_fields = ["project", "transcripts"]
    inlines = [CaseValueInline]


@admin.register(CaseValue)
class CaseValueAdmin(admin.ModelAdmin):
    list_display = ["case", "attribute", "value"]
    list_select_related = ["case", "attribute"]
    list_filter = ["attribute__project"]
    search_fields = ["case__name", "attribute__name"]
    raw_id_fields = ["case", "attribute"]


@admin.register(ExpertValue)
class ExpertValueAdmin(admin.ModelAdmin):
    list_display = ["expert", "attribute", "value"]
    list_select_related = ["expert", "attribute"]
    list_filter = ["attribute__project"]
    search_fields = ["expert__pseudonym", "attribute__name"]
    raw_id_fields = ["expert", "attribute"]
