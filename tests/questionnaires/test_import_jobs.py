"""Imports always end: a crash at any stage leaves a visible failure with its reason and nothing half-written,
retry works, a redelivered task finishes a lost run, a stale run is swept, and the file is read once."""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from jobs.services import job_claim, job_fail, job_progress
from questionnaires import services
from questionnaires.formats import QuestionnaireFileError, detection, generic
from questionnaires.models import Question, Questionnaire, QuestionnaireStatus, Response
from questionnaires.tasks import questionnaire_import_task, questionnaire_imports_sweep_task
from tests.factories import library_entry

pytestmark = pytest.mark.django_db

CSV_FILE = (
    b"ID,Question,Answer\r\n"
    b"Q1,Is multi-factor authentication enforced for every user of the portal?,\r\n"
    b"Q2,Describe your policy for feeding the office goldfish on public holidays.,\r\n"
)
LEASE = timedelta(minutes=15)


class Boom(RuntimeError):
    pass


def boom(*args, **kwargs):
    raise Boom("secret internal detail")


@pytest.fixture
def library(manager, lead):
    return library_entry(
        author=manager,
        approver=lead,
        key="mfa-enforced",
        question="Is multi-factor authentication (MFA) enforced for all users?",
        answer="Yes. Every user signs in with a password and an authenticator app code.",
    )


@pytest.fixture
def queued(manager, library):
    """An uploaded questionnaire whose import is queued but has not run."""
    return services.questionnaire_create(actor=manager, filename="customer.csv", data=CSV_FILE, queue_import=False)


def import_now(questionnaire, **kwargs) -> Questionnaire:
    return services.questionnaire_import(questionnaire_id=questionnaire.pk, **kwargs)


def actions(questionnaire) -> list[str]:
    events = AuditEvent.objects.filter(object_type="questionnaires.questionnaire", object_id=str(questionnaire.pk))
    return list(events.order_by("seq").values_list("action", flat=True))


def retry_and_run(actor, questionnaire, capture) -> Questionnaire:
    with capture(execute=True):
        services.questionnaire_import_retry(actor=actor, questionnaire=questionnaire)
    questionnaire.refresh_from_db()
    return questionnaire


@pytest.mark.parametrize(
    ("target", "stage"),
    [
        ("questionnaires.formats.parse_with_layout", "reading the file"),
        ("questionnaires.autofill.suggest_all", "matching the questions"),
        ("questionnaires.services.questionnaires._response_for", "saving the questions"),
    ],
)
def test_a_crash_at_any_stage_fails_the_import_visibly_and_retry_completes_it(
    monkeypatch, manager, queued, target, stage, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(target, boom)
    questionnaire = import_now(queued)
    assert questionnaire.status == QuestionnaireStatus.FAILED and questionnaire.progress == 100
    assert stage in questionnaire.import_error and "try again" in questionnaire.import_error.lower()
    assert "secret internal detail" not in questionnaire.import_error and "Traceback" not in questionnaire.import_error
    assert not Question.objects.exists() and not Response.objects.exists()  # the questions written first rolled back
    assert actions(questionnaire)[-1] == "questionnaire.import_failed"

    monkeypatch.undo()
    questionnaire = retry_and_run(manager, questionnaire, django_capture_on_commit_callbacks)
    assert questionnaire.status == QuestionnaireStatus.IN_PROGRESS and questionnaire.import_error == ""
    assert questionnaire.questions.count() == 2 and questionnaire.attempts == 2
    assert actions(questionnaire)[-2:] == ["questionnaire.import_retried", "questionnaire.imported"]


def test_a_refused_file_keeps_the_parsers_message(queued, monkeypatch):
    def refuse(grids):
        raise QuestionnaireFileError("The sheet 'x' is malformed and cannot be read.")

    monkeypatch.setattr(detection, "detect", refuse)
    questionnaire = import_now(queued)
    assert questionnaire.status == QuestionnaireStatus.FAILED
    assert questionnaire.import_error == "The sheet 'x' is malformed and cannot be read."


def test_an_unsure_reading_stops_at_the_mapping_page_with_nothing_imported(queued, monkeypatch):
    unsure = detection.Detection([], 0.0, ["No column in this file reads like a list of questions."], [])
    monkeypatch.setattr(detection, "detect", lambda grids: unsure)
    questionnaire = import_now(queued)
    assert (questionnaire.status, questionnaire.questions.count()) == (QuestionnaireStatus.NEEDS_MAPPING, 0)
    assert questionnaire.mapping is None
    assert questionnaire.import_summary["doubts"] == ["No column in this file reads like a list of questions."]
    assert AuditEvent.objects.filter(action="questionnaire.needs_mapping").count() == 1


def test_an_import_past_its_soft_time_limit_fails_saying_so(queued, monkeypatch):
    def too_slow(questions):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("questionnaires.autofill.suggest_all", too_slow)
    questionnaire = import_now(queued)
    assert questionnaire.status == QuestionnaireStatus.FAILED
    assert "took longer than 14 minutes" in questionnaire.import_error


def test_the_uploaded_file_is_parsed_once_per_import(queued, monkeypatch):
    calls = []
    original = generic.csv_grid
    monkeypatch.setattr(generic, "csv_grid", lambda *a, **kw: calls.append(1) or original(*a, **kw))
    questionnaire = import_now(queued)
    assert questionnaire.status == QuestionnaireStatus.IN_PROGRESS and len(calls) == 1
    assert questionnaire.layout_signature  # remembered mappings still find the layout


def test_a_redelivered_task_takes_over_the_run_its_dead_worker_left(queued):
    # The first delivery claimed the import and got to 30%, then its worker was killed.
    first = job_claim(model=Questionnaire, pk=queued.pk, task_id="task-1", lease=LEASE)
    job_progress(claim=first, percent=30)
    questionnaire = questionnaire_import_task.apply(args=[queued.pk], task_id="task-1").get()
    assert questionnaire == QuestionnaireStatus.IN_PROGRESS
    queued.refresh_from_db()
    assert queued.attempts == 2 and queued.questions.count() == 2
    # What the dead run might still try to write counts for nothing.
    assert not job_progress(claim=first, percent=50)
    assert not job_fail(claim=first, reason="late")
    queued.refresh_from_db()
    assert queued.status == QuestionnaireStatus.IN_PROGRESS


def test_another_task_leaves_a_live_run_alone_but_takes_over_a_silent_one(queued):
    job_claim(model=Questionnaire, pk=queued.pk, task_id="task-1", lease=LEASE)
    assert import_now(queued, task_id="task-2").status == QuestionnaireStatus.IMPORTING
    Questionnaire.objects.filter(pk=queued.pk).update(heartbeat_at=timezone.now() - LEASE - timedelta(seconds=1))
    questionnaire = import_now(queued, task_id="task-2")
    assert questionnaire.status == QuestionnaireStatus.IN_PROGRESS and questionnaire.attempts == 2


def test_a_finished_import_is_never_run_again(queued):
    import_now(queued, task_id="task-1")
    events = actions(queued)
    for task_id in ("task-1", "task-2", None):
        questionnaire = import_now(queued, task_id=task_id)
        assert questionnaire.status == QuestionnaireStatus.IN_PROGRESS and questionnaire.attempts == 1
    assert actions(queued) == events and Question.objects.count() == 2


def test_a_restarted_import_replaces_what_an_earlier_run_left(queued):
    Question.objects.create(questionnaire=queued, order=0, ref="OLD", text="Left by an earlier run")
    questionnaire = import_now(queued)
    assert sorted(questionnaire.questions.values_list("ref", flat=True)) == ["Q1", "Q2"]


def test_the_sweeper_fails_imports_silent_past_the_limit_and_nothing_else(manager, library, queued):
    silent = queued
    Questionnaire.objects.filter(pk=silent.pk).update(
        heartbeat_at=timezone.now() - settings.JOB_SILENT_LIMIT - timedelta(minutes=1)
    )
    recent = services.questionnaire_create(actor=manager, filename="b.csv", data=CSV_FILE, queue_import=False)
    done = services.questionnaire_create(actor=manager, filename="c.csv", data=CSV_FILE, queue_import=False)
    import_now(done)
    Questionnaire.objects.filter(pk=done.pk).update(heartbeat_at=timezone.now() - timedelta(days=30))

    assert questionnaire_imports_sweep_task.apply().get() == 1
    silent.refresh_from_db()
    assert silent.status == QuestionnaireStatus.FAILED
    assert "stopped without finishing (the worker may have been restarted)" in silent.import_error
    assert actions(silent)[-1] == "questionnaire.import_failed"
    assert Questionnaire.objects.get(pk=recent.pk).status == QuestionnaireStatus.IMPORTING
    assert Questionnaire.objects.get(pk=done.pk).status == QuestionnaireStatus.IN_PROGRESS
    assert services.questionnaire_imports_sweep() == []


def test_retrying_an_import_that_did_not_fail_is_refused(manager, queued):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Only a failed import"):
        services.questionnaire_import_retry(actor=manager, questionnaire=queued)
    import_now(queued)
    with pytest.raises(ValidationError, match="Only a failed import"):
        services.questionnaire_import_retry(actor=manager, questionnaire=queued)


# --- The importing page -----------------------------------------------------------------------------


@pytest.fixture
def failed(queued, monkeypatch):
    monkeypatch.setattr("questionnaires.autofill.suggest_all", boom)
    questionnaire = import_now(queued)
    monkeypatch.undo()
    return questionnaire


def test_failed_import_page_shows_the_reason_and_a_retry_button(mfa_client, manager, failed):
    page = mfa_client(manager).get(reverse("questionnaires:questionnaire-detail", args=[failed.pk]))
    retry = reverse("questionnaires:questionnaire-import-retry", args=[failed.pk])
    assert page.status_code == 200
    assert failed.import_error in page.content.decode() and f'action="{retry}"' in page.content.decode()


def test_retry_button_queues_the_import_again(mfa_client, lead, failed, django_capture_on_commit_callbacks):
    client = mfa_client(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("questionnaires:questionnaire-import-retry", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == QuestionnaireStatus.IN_PROGRESS and failed.questions.count() == 2
    event = AuditEvent.objects.get(action="questionnaire.import_retried")
    assert event.actor == lead


def test_retry_of_a_finished_import_says_why_not(mfa_client, manager, queued):
    import_now(queued)
    client = mfa_client(manager)
    response = client.post(reverse("questionnaires:questionnaire-import-retry", args=[queued.pk]), follow=True)
    assert response.status_code == 200
    assert "Only a failed import can be tried again" in response.content.decode()
    queued.refresh_from_db()
    assert queued.status == QuestionnaireStatus.IN_PROGRESS and queued.attempts == 1


def test_retry_is_for_staff_who_import_only(mfa_client, customer, other_customer, admin_user, failed):
    url = reverse("questionnaires:questionnaire-import-retry", args=[failed.pk])
    assert mfa_client(customer).post(url).status_code == 404
    assert mfa_client(other_customer).post(url).status_code == 404
    assert mfa_client(admin_user).post(url).status_code == 403
    assert (
        mfa_client(admin_user).get(reverse("questionnaires:questionnaire-detail", args=[failed.pk])).status_code == 200
    )
    failed.refresh_from_db()
    assert failed.status == QuestionnaireStatus.FAILED


def test_retry_needs_a_post(mfa_client, manager, failed):
    url = reverse("questionnaires:questionnaire-import-retry", args=[failed.pk])
    assert mfa_client(manager).get(url).status_code == 405
