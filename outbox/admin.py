from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Message


class StateFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", _("待完成")), ("failed", _("已放弃（需处理）")), ("done", _("已完成"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.pending()
        if self.value() == "failed":
            return queryset.pending().filter(attempts__gte=services.max_attempts())
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "handler", "key", "created_at", "due_at", "attempts", "done_at"]
    list_filter = [StateFilter, "handler"]
    search_fields = ["key", "handler"]
    readonly_fields = [field.name for field in Message._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("立即重新发送"))
    def retry(self, request, queryset):
        ids = list(queryset.pending().values_list("pk", flat=True))
        for pk in ids:
            services.message_retry(message_id=pk)
        self.message_user(request, ngettext("已重新发送%(count)d项。", "已重新发送%(count)d项。", len(ids)) % {
            "count": len(ids)}, messages.SUCCESS)
