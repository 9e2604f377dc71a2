from datetime import date

from django.core.management.base import BaseCommand, CommandError

from workflows.clocks import today
from workflows.lapses import clocks_tick


class Command(BaseCommand):
    help = "Apply the legal effects of the statutory clocks (视为受理, 视为放弃, 整改逾期) due by a day."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to act as of (YYYY-MM-DD), e.g. to catch up after an outage")

    def handle(self, *args, **options):
        raw = options.get("today")
        try:
            on = date.fromisoformat(raw) if raw else today()
        except ValueError as error:
            raise CommandError(f"--today must be YYYY-MM-DD, not {raw!r}") from error
        done = clocks_tick(on=on)
        self.stdout.write(f"clocks tick {on.isoformat()}: " + (", ".join(f"{k} {v}" for k, v in sorted(done.items()))
                                                              or "nothing due"))
