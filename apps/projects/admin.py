"""Admin for projects, memberships and the activity record (read-only: it is history)."""
from django.contrib import admin

from .models import Activity, Job, LoginThrottle, Membership, Project, Session


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "independent_coding", "created_by", "created_at", "updated_at"]
    list_select_related = ["created_by"]
    list_filter = ["independent_coding"]
    search_fields = ["name", "slug", "description"]
    date_hierarchy = "created_at"
    raw_id_fields = ["created_by"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "created_at"]
    list_select_related = ["user", "project"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "user__email", "project__name", "project__slug"]
    raw_id_fields = ["project", "user"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "project", "actor", "verb", "target_type", "target_id", "summary"]
    list_select_related = ["project", "actor"]
    list_filter = ["verb", "target_type", "project"]
    search_fields = ["summary", "actor__username", "project__name"]
    date_hierarchy = "created_at"
    raw_id_fields = ["project", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Failed sign-ins; delete a row to unlock a user name or address at once (or run
    `manage.py login_unlock`)."""

    list_display = ["key", "failures", "window_started_at", "locked_until", "strikes"]
    search_fields = ["key"]
    readonly_fields = ["key", "failures", "window_started_at", "strikes"]

    def has_add_permission(self, request):
        return False


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Who is signed in, and until when; delete a row to sign that browser out."""

    list_display = ["user", "expire_date"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "expire_date"]
    readonly_fields = ["user", "expire_date"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Long work run by the task worker: what it did, how far it got, why it failed."""

    list_display = ["label", "user", "status", "step", "done", "total", "attempts", "created_at", "finished_at"]
    list_select_related = ["user"]
    list_filter = ["status", "kind"]
    search_fields = ["label", "user__username", "reason"]
    raw_id_fields = ["user", "project"]
    readonly_fields = ["created_at", "updated_at", "finished_at"]
