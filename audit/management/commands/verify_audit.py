from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_verify


class Command(BaseCommand):
    help = "Walk the audit hash chain; exit non-zero naming the first row that does not match."

    def handle(self, *args, **options):
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at row #{result.bad_seq} (id {result.bad_id}): {result.reason}; "
                f"{result.checked} rows before it verified"
            )
        self.stdout.write(f"audit chain intact: {result.checked} rows verified")
