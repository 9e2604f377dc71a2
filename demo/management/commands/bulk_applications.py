from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.bulk import Bulk


def _date(value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = ("Write N ended applications in bulk (the records the real flow leaves, and their facts) for demo "
            "and bench data: thousands a second. Needs seed_demo's users first.")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--since", type=_date, required=True, help="first submission day (YYYY-MM-DD)")
        parser.add_argument("--until", type=_date, default=None, help="last submission day (default: 60 days ago)")
        parser.add_argument("--commitment", type=float, default=0.0, help="share on the commitment track (0–1)")

    def handle(self, *args, count, seed, since, until, commitment, **options):
        until = _date(until) if until else timezone.localdate() - timezone.timedelta(days=60)
        since = _date(since)
        if count < 1 or not 0 <= commitment <= 1 or until < since:
            raise CommandError("--count 应为正整数，--commitment 在 0 到 1 之间，--until 不早于 --since。")
        try:
            report = Bulk(seed=seed).run(count=count, since=since, until=until, commitment=commitment)
        except ValueError as error:
            raise CommandError(str(error)) from None
        ended = ", ".join(f"{status} {n}" for status, n in sorted(report.outcomes.items()))
        self.stdout.write(self.style.SUCCESS(
            f"wrote {report.created} ended applications in {report.seconds:.1f} s "
            f"({report.created / max(report.seconds, 1e-9):.0f}/s): {ended}"))
