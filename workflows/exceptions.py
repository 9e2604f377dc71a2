from django.utils.translation import gettext as _

from approvals.exceptions import DomainError


class TaskConflict(DomainError):
    """The task was taken by someone else, or is already done or cancelled (HTTP 409)."""


class CalendarMissing(DomainError):
    """The working-day calendar holds no data for a year a deadline needs: nothing is guessed."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _("工作日历缺少 %(year)s 年的数据，无法计算工作日期限。请管理员在后台导入或录入该年度的节假日安排。")
            % {"year": year}
        )
