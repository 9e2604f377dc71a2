from datetime import date

from django.core.management.base import BaseCommand, CommandError

from demo.simulation import Province


def _date(value: str | date) -> date:
    if isinstance(value, date):  # from call_command(since=…)
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since: 日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = ("Drive N applications through the real services and flow in simulated time (time_machine), "
            "from --since until today: varied outcomes, supplements, rectifications, late officials.")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=200, help="applications to simulate")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: same seed, same histories")
        parser.add_argument("--since", type=_date, required=True, help="first submission day (YYYY-MM-DD)")
        parser.add_argument("--agencies", type=int, default=None, help="applicant agencies (default: count / 4)")

    def handle(self, *args, count, seed, since, agencies, **options):
        since = _date(since)
        if count < 1:
            raise CommandError("--count 应为正整数。")
        province = Province(seed=seed, agencies=agencies or max(3, count // 4))
        report = province.run(count=count, since=since)
        ended = ", ".join(f"{status} {n}" for status, n in sorted(report.outcomes.items()))
        still_open = ", ".join(f"{node} {n}" for node, n in sorted(report.open_steps.items()))
        self.stdout.write(self.style.SUCCESS(
            f"simulated {report.created} applications since {since}: ended: {ended or '-'}; open at: {still_open or '-'}"
        ))
