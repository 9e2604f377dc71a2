from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from approvals.admin import RuleSetAdmin
from approvals.models import RuleSet
from audit.admin import AuditedAdmin

from . import services
from .models import CertificateSignature, Document, DocumentRequirement, RenderedDocument, VerificationKey


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(AuditedAdmin):
    """The catalogue is data: an administrator edits it per rule set, application type and track."""

    list_display = ("name", "code", "rule_set", "application_type", "track", "mandatory", "via_data_sharing",
                    "reusable_months", "order")
    list_filter = ("rule_set", "application_type", "track", "mandatory", "via_data_sharing")
    list_editable = ("mandatory", "via_data_sharing", "order")
    search_fields = ("name", "name_en", "code")
    ordering = ("rule_set", "application_type", "track", "order")


@admin.register(Document)
class DocumentAdmin(AuditedAdmin):
    """Uploaded documents, read-only: they are the applicant's, changed only through the product."""

    list_display = ("original_name", "application", "requirement", "size", "uploaded_at", "reused_from",
                    "rejected_at", "removed_at")
    list_filter = ("requirement__code",)
    search_fields = ("original_name", "sha256", "application__agency__name")
    list_select_related = ("application__agency", "requirement__rule_set", "reused_from")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RenderedDocument)
class RenderedDocumentAdmin(AuditedAdmin):
    list_display = ("application", "kind", "round", "state", "pages", "attempts", "rendered_at")
    list_filter = ("kind", "state")
    readonly_fields = [f.name for f in RenderedDocument._meta.fields]
    actions = ["render_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("重新生成所选文书"))
    def render_again(self, request, queryset):
        for rendered in queryset:
            services.rendered_render(rendered_id=rendered.pk, force=True)
        self.message_user(request, _("已重新生成 %(n)d 份文书。") % {"n": queryset.count()}, messages.SUCCESS)


@admin.register(VerificationKey)
class VerificationKeyAdmin(AuditedAdmin):
    """Public keys are kept forever so that rotated keys' certificates still verify."""

    list_display = ("key_id", "algorithm", "first_used", "retired")
    readonly_fields = ("key_id", "algorithm", "public_key", "first_used")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CertificateSignature)
class CertificateSignatureAdmin(admin.ModelAdmin):
    list_display = ("version", "key", "signed_at")
    readonly_fields = ("version", "key", "signature", "payload_sha256", "signed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(RuleSet)


@admin.register(RuleSet)
class RuleSetWithCatalogueAdmin(RuleSetAdmin):
    """The rule set admin of the domain core; a new version also takes over the catalogue it supersedes."""

    def new_version_saved(self, request, *, source, version) -> None:
        copied = services.catalogue_copy(source=source, target=version)
        self.message_user(request, _("已复制原版本的申请材料目录（%(n)d 项），可在新版本生效前修改。") % {"n": copied})
