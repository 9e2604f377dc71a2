"""Load the years the installed chinesecalendar knows from 2015, the year of the baseline rule set
(2015–2026 with chinesecalendar 1.11); `manage.py calendar_load` loads earlier ones if ever needed.

Later years: upgrade the package and run `manage.py calendar_load YEAR`, or add the year in the
admin and mark its holidays by hand.
"""

from django.db import migrations

FIRST_YEAR = 2015


def seed(apps, schema_editor):
    from workflows.calendar import days_from_package, package_years, write_year

    CalendarYear = apps.get_model("workflows", "CalendarYear")
    CalendarDay = apps.get_model("workflows", "CalendarDay")
    for year in package_years():
        if year < FIRST_YEAR:
            continue
        write_year(CalendarYear, CalendarDay, year, days_from_package(year), source="chinesecalendar")


def unseed(apps, schema_editor):
    apps.get_model("workflows", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workflows", "0002_clocks_calendar_notifications")]
    operations = [migrations.RunPython(seed, unseed)]
