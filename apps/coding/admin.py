"""Admin for the codebook, segments, codings, memos and comments.

Offsets, quotes and versions are read-only: coded passages change through the services,
which check them against the text. The segment list shows the trash too (with a filter),
and draws its codes from one prefetch, whatever the number of rows. The stored case
memberships are shown, never edited: the rule writes them.
"""
from django.contrib import admin
from django.db.models import Prefetch

from .models import CaseMembership, Code, Coding, Comment, Memo, Segment


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "project", "scale", "colour", "position", "deleted_at"]
    list_select_related = ["project", "parent"]
    list_filter = ["scale", "project"]
    search_fields = ["name", "description", "inclusion", "exclusion", "project__name"]
    raw_id_fields = ["project", "parent"]
    readonly_fields = ["created_at", "updated_at"]


class CodingInline(admin.TabularInline):
    model = Coding
    fk_name = "content_object"
    extra = 0
    raw_id_fields = ["tag"]
    readonly_fields = ["created_at"]


class InTrash(admin.SimpleListFilter):
    title = "trash"
    parameter_name = "trash"

    def lookups(self, request, model_admin):
        return [("no", "Not in the trash"), ("yes", "In the trash")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["id", "transcript", "start", "end", "short_quote", "code_names", "coder", "is_case_section",
                    "version", "deleted_at"]
    list_display_links = ["id", "short_quote"]
    list_select_related = ["transcript", "coder"]
    list_filter = [InTrash, "is_case_section", "project"]
    search_fields = ["quote", "memo", "transcript__title"]
    date_hierarchy = "created_at"
    raw_id_fields = ["project", "transcript", "coder", "deleted_by", "cases"]
    readonly_fields = ["project", "transcript", "start", "end", "quote", "version", "created_at", "updated_at"]
    exclude = ["codes"]  # the taggit field would create codes outside any project; use the codings inline
    inlines = [CodingInline]

    def get_queryset(self, request):
        return Segment.all_objects.select_related("transcript", "coder").defer("transcript__text").prefetch_related(
            Prefetch("codings", queryset=Coding.objects.select_related("tag").order_by("tag__name"))
        )

    @admin.display(description="quote")
    def short_quote(self, segment):
        return segment.quote[:80] + ("…" if len(segment.quote) > 80 else "")

    @admin.display(description="codes")
    def code_names(self, segment):
        return ", ".join(c.tag.name + (f" = {c.value}" if c.value else "") for c in segment.codings.all())


@admin.register(CaseMembership)
class CaseMembershipAdmin(admin.ModelAdmin):
    """Which segment counts for which case, as `case_membership_refresh` stored it."""

    list_display = ["segment", "case", "transcript"]
    list_select_related = ["segment__transcript", "case", "transcript"]
    list_filter = ["project", "case"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Coding)
class CodingAdmin(admin.ModelAdmin):
    list_display = ["id", "tag", "value", "content_object", "created_at"]
    list_select_related = ["tag", "content_object__transcript"]
    list_filter = ["tag__project", "tag__scale"]
    search_fields = ["tag__name", "value", "content_object__quote"]
    raw_id_fields = ["content_object", "tag"]

    def get_queryset(self, request):
        return (super().get_queryset(request).select_related("tag", "content_object__transcript")
                .defer("content_object__transcript__text"))


class NoteAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "author", "short_text", "code", "case", "transcript", "segment_id",
                    "created_at"]
    list_select_related = ["project", "author", "code", "case", "transcript"]
    list_filter = ["project"]
    search_fields = ["text", "author__username"]
    date_hierarchy = "created_at"
    raw_id_fields = ["project", "author", "code", "case", "transcript", "segment"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("transcript").defer("transcript__text")

    @admin.display(description="text")
    def short_text(self, note):
        return note.text[:80]


@admin.register(Memo)
class MemoAdmin(NoteAdmin):
    list_display = ["id", "title", *NoteAdmin.list_display[1:]]
    search_fields = ["title", *NoteAdmin.search_fields]


@admin.register(Comment)
class CommentAdmin(NoteAdmin):
    list_display = [*NoteAdmin.list_display, "resolved_at"]
    raw_id_fields = [*NoteAdmin.raw_id_fields, "parent", "resolved_by"]

    def get_list_filter(self, request):
        return [("resolved_at", admin.EmptyFieldListFilter), "project"]
