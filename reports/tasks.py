"""Rendering and signing happen here, never inside a web request."""

from celery import shared_task

from .services import RENDER_SOFT_TIME_LIMIT, RENDER_TIME_LIMIT, package_render, package_renders_sweep


@shared_task(bind=True, time_limit=RENDER_TIME_LIMIT, soft_time_limit=RENDER_SOFT_TIME_LIMIT)
def package_render_task(self, pdf_id: int) -> str:
    """Render and sign one PDF revision; a redelivery takes over a lost run, a finished revision is left alone."""
    return package_render(pdf_id=pdf_id, task_id=self.request.id).status


@shared_task(time_limit=5 * 60)
def package_renders_sweep_task() -> int:
    """End renders that stopped without finishing as failed (they are then shown with a retry button)."""
    return len(package_renders_sweep())


@shared_task(time_limit=3 * 60, soft_time_limit=2 * 60)
def share_notify_task(share_id: int, portal_url: str = "") -> int:
    """E-mail the customer users of a new share's organisation (nobody, once it was revoked or expired)."""
    from .sharing import share_notify

    return share_notify(share_id=share_id, portal_url=portal_url)
