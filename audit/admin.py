"""The record in the admin (read-only), and the mixin that records every admin change to reference
data. Django's admin runs ``save_model``/``delete_model`` inside the view's transaction, so the change
and its audit row commit together."""

from typing import Any

from django.contrib import admin
from django.db import models, transaction

from .models import AuditEntry
from .services import audit_record

SECRET_FIELDS = {"password"}


def _values(obj: models.Model, names: list[str] | None = None) -> dict[str, Any]:
    fields = [f for f in obj._meta.concrete_fields if (names is None or f.name in names) and f.name not in SECRET_FIELDS]
    return {f.name: f.value_from_object(obj) for f in fields}


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made through this admin goes into the audit record."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = list(form.changed_data) if form is not None else []
        audit_record(
            action="admin.change" if change else "admin.add", obj=obj, by=request.user, summary=str(obj),
            data={"changed": _values(obj, changed if change else None)},
        )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(action="admin.add", obj=obj, by=request.user, summary=str(obj), data={"changed": _values(obj)})
        for obj, names in formset.changed_objects:
            audit_record(action="admin.change", obj=obj, by=request.user, summary=str(obj),
                         data={"changed": _values(obj, list(names))})
        for obj in formset.deleted_objects:
            audit_record(action="admin.delete", obj=obj, by=request.user, summary=str(obj), data={"deleted": _values(obj)})

    def delete_model(self, request, obj):
        audit_record(action="admin.delete", obj=obj, by=request.user, summary=str(obj), data={"deleted": _values(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(action="admin.delete", obj=obj, by=request.user, summary=str(obj),
                             data={"deleted": _values(obj)})
            super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "action", "object_type", "object_id", "application_id", "actor_name", "summary")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_name", "summary")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
