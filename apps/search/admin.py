"""Admin for saved searches and the batches that coded search hits (the index is derived
from the text: `manage.py search_index` stores it anew)."""
from django.contrib import admin

from .models import CodingBatch, Passage, SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "created_by", "last_run_at"]
    list_select_related = ["project", "created_by"]
    list_filter = ["project"]
    search_fields = ["name"]
    raw_id_fields = ["project", "created_by"]


@admin.register(CodingBatch)
class CodingBatchAdmin(admin.ModelAdmin):
    list_display = ["created_at", "project", "code", "coder", "extend", "undone_at"]
    list_select_related = ["project", "code", "coder"]
    list_filter = ["project"]
    raw_id_fields = ["project", "activity", "code", "coder", "undone_by"]
    exclude = ["segments"]  # hundreds of segments: their list is the batch's history entry

    def has_add_permission(self, request):
        return False


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    """The index, to look at when a search surprises: derived from the text, so read-only."""

    list_display = ["__str__", "project", "transcript", "paragraph", "shifted"]
    list_select_related = ["project", "transcript"]
    list_filter = ["project"]
    search_fields = ["folded"]
    readonly_fields = ["project", "transcript", "paragraph", "start", "end", "folded", "shifted"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD")

    def has_delete_permission(self, request, obj=None):
        return False
