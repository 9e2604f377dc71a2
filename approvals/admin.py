from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditedAdmin

from . import services
from .models import (
    Agency,
    Application,
    Certificate,
    CertificateAction,
    CertificateVersion,
    Deficiency,
    NumberCode,
    RuleSet,
    ScopeItem,
    StatusChange,
    User,
)
from .models.rules import FROZEN_MESSAGE


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("申请机构"), {"fields": ("agency",)}))
    list_display = ("username", "get_full_name", "agency", "is_staff", "is_active")
    list_filter = ("groups", "is_staff", "is_active")
    list_select_related = ("agency",)


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ("name", "credit_code", "legal_representative", "contact_phone", "created")
    search_fields = ("name", "credit_code")


@admin.register(RuleSet)
class RuleSetAdmin(AuditedAdmin):
    """A used rule set is read-only here (and refused in code, ``RuleSet.save``): a change is a new version
    with its own effective date, made from the old one's page (``?source=<id>`` prefills the add form)."""

    list_display = ("name", "code", "effective_from", "is_baseline", "is_promise", "acceptance_days", "review_days",
                    "decision_days", "issue_days")
    ordering = ("-effective_from",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_used():
            return [f.name for f in obj._meta.concrete_fields if f.name != "id"]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_used())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_used() and request.method == "GET":
            url = reverse("admin:approvals_ruleset_add") + f"?source={obj.pk}"
            messages.warning(request, format_html('{} <a href="{}">{}</a>', FROZEN_MESSAGE, url, _("基于此规则集新建版本")))
        return super().change_view(request, object_id, form_url, extra_context)

    def _source(self, request):
        source = request.GET.get("source", "")
        return RuleSet.objects.filter(pk=source).first() if source.isdigit() else None

    def get_changeform_initial_data(self, request):
        source = self._source(request)
        if source is None:
            return super().get_changeform_initial_data(request)
        return {**{name: getattr(source, name) for name in services.rules.COPIED_FIELDS},
                "effective_from": timezone.localdate()}

    def save_model(self, request, obj, form, change):
        source = None if change else self._source(request)
        if source is None:
            return super().save_model(request, obj, form, change)
        version = services.rule_set_new_version(
            source=source, code=obj.code, effective_from=obj.effective_from, by=request.user,
            **{name: getattr(obj, name) for name in services.rules.COPIED_FIELDS},
        )
        obj.pk = version.pk
        self.new_version_saved(request, source=source, version=version)

    def new_version_saved(self, request, *, source, version) -> None:
        """A hook for the floors above (the document catalogue comes with the new version)."""


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
class ApplicationAdmin(AuditedAdmin):
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


@admin.register(NumberCode)
class NumberCodeAdmin(admin.ModelAdmin):
    """The names behind the certificate number's field and industry codes; unconfirmed seeds are flagged."""

    list_display = ("kind", "code", "name", "name_en", "active", "confirmed", "order")
    list_filter = ("kind", "active", "confirmed")
    list_editable = ("active", "confirmed", "order")
    search_fields = ("code", "name", "name_en")
