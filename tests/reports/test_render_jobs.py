"""Renders always end: a crash at any stage leaves the revision visibly failed with its reason, retry signs it,
a redelivered task finishes a lost run and overwrites its file, and a stale run is swept."""

import io
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from jobs.services import job_claim, job_progress
from reports import services
from reports.models import RenderedPdf, RenderStatus
from reports.tasks import package_render_task, package_renders_sweep_task
from tests.factories import library_entry

pytestmark = pytest.mark.django_db

LEASE = timedelta(minutes=10)


def boom(*args, **kwargs):
    raise RuntimeError("secret internal detail")


@pytest.fixture
def package(manager, lead, organisation):
    """A released package whose first revision is queued but not rendered yet."""
    entries = [library_entry(author=manager, approver=lead, key="mfa-enforced", answer="Every user uses an app code.")]
    draft = services.package_create(actor=manager, organisation=organisation, title="Standard answers", entries=entries)
    return services.package_release(actor=lead, package=draft, via_cli=True)


@pytest.fixture
def pdf(package):
    return package.latest_pdf


def render_now(pdf, **kwargs) -> RenderedPdf:
    return services.package_render(pdf_id=pdf.pk, **kwargs)


def actions(package) -> list[str]:
    events = AuditEvent.objects.filter(object_type="reports.package", object_id=str(package.pk))
    return list(events.order_by("seq").values_list("action", flat=True))


@pytest.mark.parametrize(
    ("target", "stage"),
    [
        ("reports.rendering.render_package_html", "laying out the answers"),
        ("reports.rendering.html_to_pdf", "making the PDF"),
        ("reports.signing.sign_pdf", "signing the PDF"),
        ("django.core.files.storage.FileSystemStorage.save", "storing the signed file"),
    ],
)
def test_a_crash_at_any_stage_fails_the_revision_visibly_and_retry_signs_it(
    monkeypatch, manager, package, pdf, target, stage, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(target, boom)
    pdf = render_now(pdf)
    assert pdf.status == RenderStatus.FAILED and pdf.progress == 100
    assert stage in pdf.error and "Try again" in pdf.error
    assert "secret internal detail" not in pdf.error and "Traceback" not in pdf.error
    assert not pdf.file and pdf.sha256 == ""
    assert actions(package)[-1] == "package.render_failed"

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.package_render_retry(actor=manager, pdf=pdf)
    pdf.refresh_from_db()
    assert pdf.status == RenderStatus.READY and pdf.error == "" and pdf.attempts == 2
    with pdf.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert actions(package)[-2:] == ["package.render_retried", "package.pdf_signed"]


def test_a_render_past_its_soft_time_limit_fails_saying_so(pdf, monkeypatch):
    def too_slow(html):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("reports.rendering.html_to_pdf", too_slow)
    assert "took longer than 9 minutes" in render_now(pdf).error


def test_a_redelivered_task_takes_over_and_overwrites_the_file_its_dead_worker_left(pdf):
    # The first delivery claimed the revision and stored its file, then its worker was killed before committing.
    first = job_claim(model=RenderedPdf, pk=pdf.pk, task_id="task-1", lease=LEASE)
    job_progress(claim=first, percent=90)
    name = pdf.file.field.generate_filename(pdf, f"{pdf.package.reference}-r{pdf.revision}.pdf")
    pdf.file.storage.save(name, io.BytesIO(b"half a file"))

    assert package_render_task.apply(args=[pdf.pk], task_id="task-1").get() == RenderStatus.READY
    pdf.refresh_from_db()
    assert pdf.attempts == 2 and pdf.file.name == name
    with pdf.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert not job_progress(claim=first, percent=95)


def test_another_task_leaves_a_live_run_alone_but_takes_over_a_silent_one(pdf):
    job_claim(model=RenderedPdf, pk=pdf.pk, task_id="task-1", lease=LEASE)
    assert render_now(pdf, task_id="task-2").status == RenderStatus.RENDERING
    RenderedPdf.objects.filter(pk=pdf.pk).update(heartbeat_at=timezone.now() - LEASE - timedelta(seconds=1))
    assert render_now(pdf, task_id="task-2").status == RenderStatus.READY


def test_a_signed_revision_is_never_rendered_again(package, pdf):
    signed = render_now(pdf, task_id="task-1")
    events = actions(package)
    for task_id in ("task-1", "task-2", None):
        again = render_now(pdf, task_id=task_id)
        assert (again.status, again.sha256, again.attempts) == (RenderStatus.READY, signed.sha256, 1)
    assert actions(package) == events
    with pytest.raises(ValidationError, match="Only a failed revision"):
        services.package_render_retry(actor=package.assembled_by, pdf=pdf)


def test_the_sweeper_fails_renders_silent_past_the_limit_and_nothing_else(package, pdf, manager):
    done = services.package_rerender(actor=manager, package=package, queue_render=False)
    render_now(done)
    RenderedPdf.objects.update(heartbeat_at=timezone.now() - settings.JOB_SILENT_LIMIT - timedelta(minutes=1))
    recent = services.package_rerender(actor=manager, package=package, queue_render=False)

    assert package_renders_sweep_task.apply().get() == 1
    pdf.refresh_from_db()
    assert pdf.status == RenderStatus.FAILED
    assert "stopped without finishing (the worker may have been restarted)" in pdf.error
    assert actions(package)[-1] == "package.render_failed"
    assert RenderedPdf.objects.get(pk=recent.pk).status == RenderStatus.RENDERING
    assert RenderedPdf.objects.get(pk=done.pk).status == RenderStatus.READY


def test_the_command_line_renders_its_revision_itself(package, pdf, tmp_path):
    out = tmp_path / "p.pdf"
    call_command("package_pdf", package.reference, "--out", str(out), stdout=io.StringIO())
    revision = package.pdfs.get(revision=2)
    assert revision.status == RenderStatus.READY and revision.attempts == 1


# --- The package page -------------------------------------------------------------------------------


@pytest.fixture
def failed(pdf, monkeypatch):
    monkeypatch.setattr("reports.signing.sign_pdf", boom)
    failed = render_now(pdf)
    monkeypatch.undo()
    return failed


def retry_url(pdf) -> str:
    return reverse("reports:package-render-retry", args=[pdf.package.reference, pdf.revision])


def test_package_page_shows_the_reason_and_a_retry_button(mfa_client, manager, package, failed):
    page = mfa_client(manager).get(reverse("reports:package-detail", args=[package.reference]))
    assert page.status_code == 200
    assert failed.error in page.content.decode() and f'action="{retry_url(failed)}"' in page.content.decode()


def test_retry_button_renders_the_revision_again(mfa_client, lead, failed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = mfa_client(lead).post(retry_url(failed))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == RenderStatus.READY
    assert AuditEvent.objects.get(action="package.render_retried").actor == lead


def test_retry_of_a_signed_revision_says_why_not(mfa_client, manager, pdf):
    render_now(pdf)
    response = mfa_client(manager).post(retry_url(pdf), follow=True)
    assert response.status_code == 200
    assert "Only a failed revision can be rendered again" in response.content.decode()


def test_retry_is_for_staff_who_assemble_only(mfa_client, customer, other_customer, admin_user, manager, failed):
    assert mfa_client(customer).post(retry_url(failed)).status_code == 404
    assert mfa_client(other_customer).post(retry_url(failed)).status_code == 404
    assert mfa_client(admin_user).post(retry_url(failed)).status_code == 403
    missing = reverse("reports:package-render-retry", args=[failed.package.reference, 99])
    assert mfa_client(manager).post(missing).status_code == 404
    failed.refresh_from_db()
    assert failed.status == RenderStatus.FAILED
