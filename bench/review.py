"""Review page and staff dashboard time with a CAIQ-sized questionnaire (261 questions) and one at the question
cap (5,000), against a minimal signed-in page (a questionnaire's import status) served in the same run."""

import time

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from accounts.services import SESSION_MFA_VERIFIED_AT
from questionnaires.formats import MAX_QUESTIONS
from questionnaires.models import Provenance, Question, Questionnaire, QuestionnaireStatus, Response, ResponseStatus

SIZES = (261, MAX_QUESTIONS)
ROUNDS = 5
SECTION_SIZE = 250
STATUSES = (ResponseStatus.SUGGESTED, ResponseStatus.ACCEPTED, ResponseStatus.NEEDS_ATTENTION, ResponseStatus.APPROVED)


def _user(email: str, role: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"role": role, "full_name": email.split("@")[0]})
    return user


def _questionnaire(size: int, *, owner: User, approver: User, version) -> Questionnaire:
    """A questionnaire of `size` questions with responses in every status, written row by row in bulk."""
    questionnaire = Questionnaire.objects.create(
        title=f"Bench {size} questions",
        source_file=f"questionnaires/bench-{size}.csv",
        source_name=f"bench-{size}.csv",
        source_sha256="0" * 64,
        source_size=1,
        format="csv",
        format_label="CSV",
        status=QuestionnaireStatus.IN_PROGRESS,
        owner=owner,
        created_by=owner,
    )
    questions = Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            order=n,
            ref=f"Q-{n:05d}",
            text=f"Question {n}: is data about devices in fleet {n} encrypted in transit and at rest?",
            section=f"Section {n // SECTION_SIZE + 1}",
        )
        for n in range(1, size + 1)
    )
    responses = []
    for n, question in enumerate(questions):
        status = STATUSES[n % len(STATUSES)]
        answered = status != ResponseStatus.NEEDS_ATTENTION
        responses.append(
            Response(
                question=question,
                text=version.answer if answered else "",
                source_version=version if answered else None,
                suggested_entry=version.entry if answered else None,
                confidence=0.9 if answered else None,
                provenance=Provenance.LIBRARY if answered else Provenance.NONE,
                status=status,
                last_edited_by=owner if status in (ResponseStatus.ACCEPTED, ResponseStatus.APPROVED) else None,
                approver=approver if status == ResponseStatus.APPROVED else None,
            )
        )
    Response.objects.bulk_create(responses, batch_size=1000)
    return questionnaire


def _signed_in(user: User) -> Client:
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
    client = Client(HTTP_HOST=host)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Bench", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_MFA_VERIFIED_AT] = time.time() + 3600
    session.save()
    return client


def _best(client: Client, url: str) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        best = min(best, elapsed)
    return best * 1000


def run() -> None:
    """Print the best-of-5 milliseconds of each page, per questionnaire size, next to the minimal page."""
    from library import services as library_services

    manager = _user("bench-manager@example.com", Role.ACCOUNT_MANAGER)
    lead = _user("bench-lead@example.com", Role.SECURITY_LEAD)
    entry = library_services.entry_create(
        actor=manager,
        key="bench-encryption",
        category="data",
        classification="public",
        text=library_services.VersionText(
            "Is data encrypted in transit and at rest?", "Yes: TLS 1.2+ in transit and AES-256 at rest.", "Yes"
        ),
    )
    version = library_services.version_submit(actor=manager, version=entry.latest_version)
    library_services.version_approve(actor=lead, version=version, via_cli=True)
    version.refresh_from_db()
    client = _signed_in(lead)
    dashboard = reverse("workspace:dashboard")
    print(f"{'page (best of 5, lead signed in)':<44} {'questions':>9} {'ms':>8}")
    rows = []
    for size in SIZES:
        questionnaire = _questionnaire(size, owner=manager, approver=lead, version=version)
        minimal = reverse("questionnaires:questionnaire-status", args=[questionnaire.pk])
        review = reverse("questionnaires:questionnaire-detail", args=[questionnaire.pk])
        client.get(review)  # warm-up: templates compiled, caches filled
        rows.append(("minimal signed-in page (import status)", size, _best(client, minimal)))
        rows.append(("review page, first page", size, _best(client, review)))
        rows.append(("review page, needs attention filter", size, _best(client, f"{review}?status=needs_attention")))
        rows.append(("staff dashboard", size, _best(client, dashboard)))
    for label, size, ms in rows:
        print(f"{label:<44} {size:>9,} {ms:>8.1f}")
