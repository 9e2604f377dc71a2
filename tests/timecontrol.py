"""Time in tests is controlled, never slept: travel to a day in China's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10, minute: int = 0):
    """Travel to ``day`` at ``hour:minute`` in China; time stands still inside."""
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False)
