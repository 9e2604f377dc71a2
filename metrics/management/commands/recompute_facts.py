from django.core.management.base import BaseCommand

from metrics.services import facts_recompute


class Command(BaseCommand):
    help = ("Recompute the five-reductions facts of ended applications (after a calendar correction, a rule-set "
            "or catalogue edit, or to catch up facts a failed task left missing).")

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="application ids (default: every ended application)")
        parser.add_argument("--missing", action="store_true", help="only applications without facts yet")

    def handle(self, *args, ids, missing, **options):
        def progress(done: int, total: int) -> None:
            if done % 1000 == 0 or done == total:
                self.stdout.write(f"{done}/{total}")

        written, failed = facts_recompute(ids=ids or None, missing_only=missing, progress=progress)
        for pk, error in failed:
            self.stderr.write(f"application {pk}: {error}")
        style = self.style.WARNING if failed else self.style.SUCCESS
        self.stdout.write(style(f"facts written: {written}; failed: {len(failed)}"))
