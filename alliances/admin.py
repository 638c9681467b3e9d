from django.contrib import admin

from alliances.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """School-data imports, read-only: who uploaded what, how far it got and what it reported. Uploading and the
    progress page are at /platform/imports/."""

    list_display = ["id", "filename", "state", "stage", "done", "total", "uploaded_by", "created_at", "finished_at"]
    list_filter = ["state"]
    search_fields = ["filename", "summary"]
    list_select_related = ["uploaded_by"]
    readonly_fields = ["filename", "uploaded_by", "state", "stage", "done", "total", "summary", "report",
                       "created_at", "finished_at"]
    exclude = ["content"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
