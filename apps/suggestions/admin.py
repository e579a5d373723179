"""Admin for where accepted suggestions came from and what coders rejected."""
from django.contrib import admin

from .models import SuggestionOrigin, SuggestionRejection


@admin.register(SuggestionOrigin)
class SuggestionOriginAdmin(admin.ModelAdmin):
    list_display = ["segment", "code", "engine", "engine_version", "accepted_by", "accepted_at"]
    list_select_related = ["segment", "code", "accepted_by"]
    raw_id_fields = ["segment", "code", "accepted_by"]


@admin.register(SuggestionRejection)
class SuggestionRejectionAdmin(admin.ModelAdmin):
    list_display = ["code", "transcript", "start", "end", "engine", "rejected_by", "rejected_at"]
    list_select_related = ["code", "transcript", "rejected_by"]
    list_filter = ["project"]
    raw_id_fields = ["project", "code", "transcript", "rejected_by"]
