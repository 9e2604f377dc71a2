from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    Agency,
    Application,
    Certificate,
    CertificateAction,
    CertificateVersion,
    Deficiency,
    RuleSet,
    ScopeItem,
    StatusChange,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("申请机构"), {"fields": ("agency",)}))
    list_display = ("username", "get_full_name", "agency", "is_staff", "is_active")
    list_filter = ("groups", "is_staff", "is_active")
    list_select_related = ("agency",)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "legal_representative", "contact_phone", "created")
    search_fields = ("name", "credit_code")


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "effective_from", "is_baseline", "is_promise", "acceptance_days", "review_days",
                    "decision_days", "issue_days")
    ordering = ("-effective_from",)


class ScopeItemInline(admin.TabularInline):
    model = ScopeItem
    extra = 0


class DeficiencyInline(admin.TabularInline):
    model = Deficiency
    extra = 0
    readonly_fields = ("raised_by", "created")


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("transition", "source", "target", "by", "at", "comment")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Status is read-only here: it changes only through the procedure, never by editing."""

    list_display = ("reference", "agency", "application_type", "track", "status", "submitted_at")
    list_filter = ("status", "application_type", "track")
    search_fields = ("agency__name", "agency__credit_code")
    list_select_related = ("agency",)
    readonly_fields = ("status", "rule_set", "submitted_at", "decided_at", "created_by")
    inlines = [ScopeItemInline, DeficiencyInline, StatusChangeInline]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CertificateVersionInline(ReadOnlyInline):
    model = CertificateVersion
    fields = ("version", "number", "application", "agency_name", "issued_on", "expires_on", "issued_by")
    readonly_fields = fields


class CertificateActionInline(ReadOnlyInline):
    model = CertificateAction
    fields = ("seq", "kind", "source", "target", "effective_on", "reason", "by", "at")
    readonly_fields = fields


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: content changes only as a new version through a procedure, and the status only by a
    recorded decision (the officials' certificate pages), never by editing here."""

    list_display = ("number", "agency", "status", "current")
    list_filter = ("status",)
    search_fields = ("number", "agency__name", "versions__number")
    list_select_related = ("agency", "current")
    readonly_fields = ("number", "application", "agency", "status", "status_since", "current", "issued_by")
    inlines = [CertificateVersionInline, CertificateActionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
