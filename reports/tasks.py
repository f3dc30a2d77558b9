"""Rendering and signing happen here, never inside a web request."""

from celery import shared_task


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def package_render_task(pdf_id: int) -> str:
    """Render and sign one PDF revision; a finished revision is left untouched, so repeats are harmless."""
    from .services import package_render

    return package_render(pdf_id=pdf_id).status
