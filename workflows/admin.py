"""Admin of the orchestration layer: the working-day calendar (editable), steps, alerts, notifications.

Calendar edits go through ``workflows.calendar`` services, so every process's cache and every open
deadline follow an edit; the rest is read-only here, because it is written by the flow.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record

from . import calendar
from .clocks import today
from .exceptions import CalendarMissing
from .models import CalendarDay, CalendarYear, ClockAlert, Notification, Step, TextMessage

WORKING = Q(days__kind__in=CalendarDay.WORKING_KINDS)
WEEKDAYS = "一二三四五六日"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "working_day_count", "holiday_count", "makeup_count", "note", "updated_at",
                    "days_link"]
    readonly_fields = ["source", "revision", "loaded_at", "updated_at"]
    actions = ["reload_from_package"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            working=Count("days", filter=WORKING),
            holidays=Count("days", filter=Q(days__kind=CalendarDay.Kind.HOLIDAY)),
            makeups=Count("days", filter=Q(days__kind=CalendarDay.Kind.MAKEUP)),
        )

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "year"] if obj else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ["year", "note", *self.get_readonly_fields(request, obj)] if obj else ["year", "note"]

    def has_delete_permission(self, request, obj=None):
        return False  # without the year no deadline in it can be computed

    @admin.display(description=_("工作日"), ordering="working")
    def working_day_count(self, obj):
        return obj.working

    @admin.display(description=_("法定节假日"), ordering="holidays")
    def holiday_count(self, obj):
        return obj.holidays

    @admin.display(description=_("调休上班"), ordering="makeups")
    def makeup_count(self, obj):
        return obj.makeups

    @admin.display(description=_("逐日查看"))
    def days_link(self, obj):
        url = reverse("admin:workflows_calendarday_changelist") + f"?year__year__exact={obj.year}"
        return format_html('<a href="{}">{}</a>', url, _("查看与修改"))

    def save_model(self, request, obj, form, change):
        if change:
            CalendarYear.objects.filter(pk=obj.pk).update(note=obj.note)
            audit_record(action="admin.change", obj=obj, by=request.user, summary=str(obj.year), data={"note": obj.note})
            return
        created = calendar.calendar_year_create(year=obj.year, note=obj.note)
        audit_record(action="admin.add", obj=created, by=request.user, summary=str(obj.year),
                     data={"year": obj.year, "source": created.source, "note": obj.note})
        if created.source == CalendarYear.Source.MANUAL:
            messages.warning(request, _(
                "chinesecalendar 数据包尚无 %(year)s 年数据：已按周末休息生成，请依国务院办公厅通知逐日标注节假日和调休上班日。"
            ) % {"year": obj.year})

    @admin.action(description=_("从 chinesecalendar 重新导入（保留人工修改）"))
    def reload_from_package(self, request, queryset):
        years = list(queryset.values_list("year", flat=True))
        try:
            calendar.calendar_load(years=years)
        except CalendarMissing as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        audit_record(action="admin.calendar_reload", by=request.user, summary="、".join(map(str, years)),
                     data={"years": years})
        self.message_user(request, _("已重新导入：%(years)s") % {"years": "、".join(map(str, years))})

    def changelist_view(self, request, extra_context=None):
        loaded = set(calendar.loaded_years())
        this_year = today().year
        needed = [this_year, this_year + 1] if today().month >= 11 else [this_year]
        missing = [year for year in needed if year not in loaded]
        if missing:
            messages.warning(request, _(
                "工作日历缺少 %(years)s 年：落在这些年份的办理期限无法计算。请导入或新增年度。"
            ) % {"years": "、".join(map(str, missing))})
        extra_context = {**(extra_context or {}), "title": _("工作日历年度（已载入：%(years)s）") % {
            "years": "、".join(map(str, sorted(loaded))) or "—"}}
        return super().changelist_view(request, extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "edited"]
    list_editable = ["kind", "name"]
    list_filter = ["year", "kind", "edited"]
    date_hierarchy = "date"
    search_fields = ["name"]
    fields = ["date", "weekday", "kind", "name", "edited"]
    readonly_fields = ["date", "weekday", "edited"]
    list_per_page = 62

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return f"星期{WEEKDAYS[obj.date.weekday()]}"

    def has_add_permission(self, request):
        return False  # days come with their year

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service: bumps the year's revision and moves the open deadlines it touches.
        day = calendar.calendar_day_set(day=obj.date, kind=obj.kind, name=obj.name)
        audit_record(action="admin.change", obj=day, by=request.user, summary=str(obj.date),
                     data={"date": obj.date, "kind": obj.kind, "name": obj.name})


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ["application", "node", "state", "claimed_by", "entered_at", "limit_days", "due_date",
                    "carried_days", "stopped_days", "used_days", "overdue"]
    list_filter = ["node", "state", "clock"]
    list_select_related = ["application__agency", "claimed_by"]
    search_fields = ["application__agency__name", "application__agency__credit_code"]
    date_hierarchy = "entered_at"
    show_full_result_count = False  # no COUNT(*) over a million steps

    @admin.display(description=_("超期"), boolean=True)
    def overdue(self, obj):
        return obj.due_status().overdue


@admin.register(ClockAlert)
class ClockAlertAdmin(ReadOnlyAdmin):
    list_display = ["step", "kind", "due_date", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["step__application__agency"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at", "email_wanted", "emailed_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter), ("emailed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["title", "user__username"]


@admin.register(TextMessage)
class TextMessageAdmin(ReadOnlyAdmin):
    list_display = ["phone", "text", "created_at", "sent_at", "attempts", "error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["phone", "key"]
