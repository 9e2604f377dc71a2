"""Run the background worker with the periodic jobs (Celery beat embedded).

With CELERY_BROKER_URL unset (the default set-up: SQLite, no Redis) the queue is kept in files
under CELERY_FILESYSTEM_QUEUE (kombu's filesystem transport), so the statutory-clock check runs
without any service; queued tasks survive a restart. With a broker configured it is an ordinary
Celery worker; production may instead run `celery -A project worker` and `celery -A project beat`.
Run one beat per deployment (``--no-beat`` for additional workers).
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from project.celery import app


def configure(*, concurrency: int) -> None:
    """Point the Celery app at the file queue when no broker is configured; never run eagerly here."""
    if not settings.CELERY_BROKER_URL:
        folders = {name: settings.CELERY_FILESYSTEM_QUEUE / name for name in ("queue", "processed", "control")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        app.conf.broker_url = "filesystem://"
        app.conf.broker_transport_options = {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]),
            "control_folder": str(folders["control"]),  # else kombu writes ./control in the working directory
            "store_processed": False,
        }
    # Tasks this worker queues (e-mails after a reminder) go through the queue and are retried there.
    app.conf.task_always_eager = False
    app.conf.worker_concurrency = concurrency


class Command(BaseCommand):
    help = "Run a Celery worker with the periodic jobs (beat); without CELERY_BROKER_URL the queue lives in files."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=1)
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("--no-beat", action="store_true", help="a worker only; run exactly one beat per deployment")

    def handle(self, *args, concurrency: int, loglevel: str, no_beat: bool, **options):
        configure(concurrency=concurrency)
        # Gossip and mingle only chat between workers; their restart after a lost connection is
        # where kombu breaks (deploy/systemd/cma-worker.service runs without them too).
        argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", "--without-gossip", "--without-mingle"]
        if not no_beat:
            argv.append("--beat")
        app.worker_main(argv)
