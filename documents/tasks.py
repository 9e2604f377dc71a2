"""Celery tasks: thin adapters that load by id, are idempotent and retry."""

from celery import shared_task
from celery.signals import worker_process_init

from . import rendering, services


@worker_process_init.connect
def _load_fonts_once(**_kwargs) -> None:
    """Each worker process loads the PDF fonts and stylesheet when it starts, not on its first render
    (and freezes them out of the garbage collector's way, see ``rendering.prepare_worker_process``)."""
    rendering.prepare_worker_process()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=3)
def render_document(self, rendered_id: int) -> str:
    """Render one issued PDF (a notice, a decision letter or a certificate) after commit."""
    try:
        rendered = services.rendered_render(rendered_id=rendered_id)
    except Exception as error:
        services.rendered_failed(rendered_id=rendered_id, error=f"{type(error).__name__}: {error}")
        raise
    return rendered.sha256


def render_effect(key: str) -> None:
    """Outbox handler ``documents.render`` (key: the RenderedDocument id); signs a certificate first."""
    services.rendered_render(rendered_id=int(key))


def render_failed(key: str, error: Exception) -> None:
    services.rendered_failed(rendered_id=int(key), error=f"{type(error).__name__}: {error}")
