"""Load working-day calendar years from the installed chinesecalendar package."""

from django.core.management.base import BaseCommand, CommandError

from workflows.calendar import FIRST_SEEDED_YEAR, calendar_load, loaded_years, package_years
from workflows.exceptions import CalendarMissing


class Command(BaseCommand):
    help = "从 chinesecalendar 导入（或重新导入）工作日历年度；管理员修改过的日期默认保留。"

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="years to load; default: every year the package knows")
        parser.add_argument("--overwrite-edited", action="store_true", help="also replace days an administrator corrected")

    def handle(self, *args, years: list[int], overwrite_edited: bool, **options):
        years = years or [year for year in package_years() if year >= FIRST_SEEDED_YEAR]
        try:
            loaded = calendar_load(years=years, keep_edited=not overwrite_edited)
        except CalendarMissing as error:
            raise CommandError(f"{error} (chinesecalendar knows {package_years()[0]}–{package_years()[-1]})") from error
        self.stdout.write(f"loaded {', '.join(map(str, loaded))}; the calendar now holds {', '.join(map(str, loaded_years()))}")
