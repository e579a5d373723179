"""Admin for the recordings kept with transcripts (to find one; they are attached on the
Recording page, which checks the file's content)."""
from django.contrib import admin

from .models import Recording


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["transcript", "format", "kind", "original_name", "uploaded_by"]
    list_select_related = ["transcript", "uploaded_by"]
    search_fields = ["transcript__title", "original_name"]
    raw_id_fields = ["transcript", "uploaded_by", "transcription"]
    readonly_fields = ["file", "format", "content_type", "kind"]

    def has_add_permission(self, request):
        return False  # attached on the Recording page only, where its content is checked
