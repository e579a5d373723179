"""Admin for experts, transcripts and turns.

The stored text is read-only here: segments and turns are offsets into it, so an edit
in the admin would silently move every coded passage. Texts change through the services.
"""
from django.contrib import admin

from .models import Expert, Transcript, Turn


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "project", "description"]
    list_select_related = ["project"]
    list_filter = ["project"]
    search_fields = ["pseudonym", "description", "project__name"]
    raw_id_fields = ["project"]


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "expert", "source_format", "created_by", "created_at", "version"]
    list_select_related = ["project", "expert", "created_by"]
    list_filter = ["source_format", "project"]
    search_fields = ["title", "source_filename", "expert__pseudonym", "project__name"]
    date_hierarchy = "created_at"
    raw_id_fields = ["project", "expert", "created_by"]
    readonly_fields = ["text", "checksum", "version", "created_at", "updated_at"]

    def get_queryset(self, request):
        # The list shows no text: do not read every interview to draw it.
        queryset = super().get_queryset(request)
        url_name = getattr(request.resolver_match, "url_name", "") or ""
        return queryset.defer("text") if url_name.endswith("changelist") else queryset


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ["transcript", "number", "speaker", "start", "end"]
    list_select_related = ["transcript"]
    list_filter = ["transcript__project"]
    search_fields = ["speaker", "transcript__title"]
    raw_id_fields = ["transcript"]
    readonly_fields = ["start", "end"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("transcript").defer("transcript__text")
