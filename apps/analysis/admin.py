"""Admin for the reviewers' verdicts."""
from django.contrib import admin

from .models import Review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["created_at", "project", "transcript", "status", "reviewer"]
    list_select_related = ["project", "transcript", "reviewer"]
    list_filter = ["status", "project"]
    search_fields = ["note", "transcript__title", "reviewer__username"]
    date_hierarchy = "created_at"
    raw_id_fields = ["project", "transcript", "reviewer"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("transcript").defer("transcript__text")
