from django.contrib import admin

from .models import ApplicationFacts, MetricsExport


@admin.register(ApplicationFacts)
class ApplicationFactsAdmin(admin.ModelAdmin):
    """Read-only: facts are computed from the records (``manage.py recompute_facts`` rewrites them)."""

    list_display = ["application", "outcome", "application_type", "track", "ended_on", "days_counted", "on_time", "steps"]
    list_filter = ["outcome", "application_type", "track", "on_time", "authority"]
    date_hierarchy = "ended_on"
    search_fields = ["application__agency__name", "application__agency__credit_code"]
    list_select_related = ["application__agency"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MetricsExport)
class MetricsExportAdmin(admin.ModelAdmin):
    list_display = ["pk", "requested_by", "kind", "format", "state", "rows_done", "rows_total", "created"]
    list_filter = ["state", "kind", "format"]
    readonly_fields = [f.name for f in MetricsExport._meta.fields]

    def has_add_permission(self, request):
        return False
