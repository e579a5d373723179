"""Admin for the .qdpx uploads waiting for their user's choice and the files of export jobs
(to find and remove a stale one)."""
from django.contrib import admin

from .models import ExportFile, PendingQdpxImport


@admin.register(PendingQdpxImport)
class PendingQdpxImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "project_name", "user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["filename", "project_name", "user__username"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    exclude = ["data"]  # the upload itself: bytes, not for a form

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data")

    def has_add_permission(self, request):
        return False  # made by the .qdpx import page only


@admin.register(ExportFile)
class ExportFileAdmin(admin.ModelAdmin):
    list_display = ["filename", "job", "created_at"]
    list_select_related = ["job"]
    search_fields = ["filename", "job__user__username"]
    date_hierarchy = "created_at"
    raw_id_fields = ["job"]
    exclude = ["data"]  # the file itself: bytes, not for a form

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data")

    def has_add_permission(self, request):
        return False  # made by export jobs only
