"""China's working-day calendar, one row per day of every loaded year.

Seeded from ``chinesecalendar`` (holidays and make-up workdays, 调休) and editable by an
administrator: the State Council publishes next year's arrangement each November, sometimes before
the package does. A year without a row is unknown, and no deadline is computed in it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year the calendar knows. ``revision`` changes on every edit so other processes reload it."""

    class Source(models.TextChoices):
        PACKAGE = "chinesecalendar", _("chinesecalendar 数据包")
        MANUAL = "manual", _("管理员录入")

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    source = models.CharField(_("数据来源"), max_length=20, choices=Source.choices, default=Source.PACKAGE)
    revision = models.PositiveIntegerField(_("版本"), default=1)
    loaded_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("最近修改"), auto_now=True)
    note = models.CharField(
        _("依据"), max_length=200, blank=True, help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知。")
    )

    class Meta:
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One day and whether it is a working day."""

    class Kind(models.TextChoices):
        WORKDAY = "workday", _("工作日")
        WEEKEND = "weekend", _("休息日")
        HOLIDAY = "holiday", _("法定节假日")
        MAKEUP = "makeup", _("调休上班")

    WORKING_KINDS = (Kind.WORKDAY, Kind.MAKEUP)

    date = models.DateField(_("日期"), primary_key=True)
    year = models.ForeignKey(CalendarYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="days")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=30, blank=True)
    # An administrator's correction survives a reload from the package.
    edited = models.BooleanField(_("已人工修改"), default=False)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]
        indexes = [models.Index(fields=["year", "kind", "date"], name="calendar_year_kind_idx")]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"

    @property
    def is_working_day(self) -> bool:
        return self.kind in self.WORKING_KINDS
