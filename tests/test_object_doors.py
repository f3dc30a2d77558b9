"""Every object URL and every state-changing POST, tried by people it is not for.

A customer of another organisation gets 404 for the objects of this one and 403 or 404 for every staff
page, whatever the method; a customer never reaches a staff page; nobody approves or releases their
own work over HTTP. In every case nothing in the database changes.
"""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import CustomerOrganisation, Invitation, Role, User
from accounts.services import invitation_create
from evidence.models import Document
from library.models import LibraryEntryVersion
from questionnaires import services as questionnaire_services
from questionnaires.models import LearningBatch, LearningItem, MatchFeedback, Questionnaire, Response, ResponseStatus
from reports import services as report_services
from reports.models import Download, Package, RenderedPdf, Share
from tests.accounts.test_url_walk import _patterns
from tests.conftest import totp_code
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db

APP_NAMESPACES = (
    "accounts:",
    "workspace:",
    "library:",
    "questionnaires:",
    "reports:",
    "audit:",
    "evidence:",
    "nda:",
    "trust:",
)
PUBLIC = {
    "reports:verify",
    "reports:ca-certificate",
    "accounts:invitation-accept",
    "trust:trust-page",
    "trust:document-download",
    "trust:request-access",
    "trust:request-sent",
}
# The only object pages a customer may see: their organisation's, and what is shared with it.
OWN_ORGANISATION_PAGES = {
    "workspace:organisation-detail",
    "reports:portal-share-detail",
    "reports:portal-package-download",
    "reports:portal-questionnaire-download",
    "reports:portal-document-download",
}
OWN_PAGES = {"workspace:dashboard", "workspace:organisation-mine", "reports:portal-share-list", "nda:nda-accept"}


@pytest.fixture
def world(manager, lead, organisation):
    """One organisation's objects, each in the state its actions change."""
    entry = library_entry(author=manager, approver=lead, key="mfa", question="Is MFA enforced for all users?")
    draft = library_entry(author=manager, key="draft-entry")  # a version in review
    created = questionnaire_services.questionnaire_create(
        actor=manager,
        filename="q.csv",
        data=b"ID,Question,Answer\r\nQ1,Is MFA enforced for all users?,\r\n",
        organisation=organisation,
        queue_import=False,
    )
    questionnaire = questionnaire_services.questionnaire_import(questionnaire_id=created.pk)
    response = Response.objects.get(question__questionnaire=questionnaire)
    questionnaire_services.response_accept(actor=manager, response=response)
    package = report_services.package_create(actor=manager, organisation=organisation, title="T", entries=[entry])
    RenderedPdf.objects.create(package=package, revision=1)
    share = Share.objects.create(
        package=package, organisation=organisation, created_by=manager, expires_at=timezone.now() + timedelta(days=5)
    )
    document = Document.objects.create(title="SOC 2", classification="public", owner=lead)
    share.documents.add(document)
    batch = questionnaire_services.learning_batch_create(
        actor=manager, files=[("answered.csv", b"ID,Question,Answer\r\nQ1,Is MFA enforced for all users?,Yes\r\n")]
    )
    invitation, token = invitation_create(
        actor=manager, email="invitee@example.com", role=Role.CUSTOMER, organisation=organisation
    )
    return {
        "pk": questionnaire.pk,
        "question_pk": response.question_id,
        "item_pk": batch.items.get().pk,
        "key": draft.key,
        "number": 1,
        "reference": package.reference,
        "revision": 1,
        "organisation": organisation,
        "invitation": invitation,
        "batch": batch,
        "token": token,
        "manager": manager,
        "entry": entry,
        "share_id": share.pk,
        "document_id": document.pk,
        "organisation_id": organisation.pk,
    }


def _args(name: str, route: str, world: dict) -> dict:
    values = {**world, "fmt": "csv", "action": "accept"}
    kwargs = {}
    parts = ("pk", "question_pk", "item_pk", "key", "number", "reference", "revision", "token", "fmt", "action")
    for part in (*parts, "share_id", "document_id", "organisation_id"):
        if f":{part}>" in route:
            kwargs[part] = values[part]
    if "pk" in kwargs:
        if name.startswith("questionnaires:learning"):
            kwargs["pk"] = world["batch"].pk
        elif name.startswith(("accounts:invitation",)):
            kwargs["pk"] = world["invitation"].pk
        elif name.startswith("accounts:user"):
            kwargs["pk"] = world["manager"].pk
        elif name.startswith("workspace:organisation"):
            kwargs["pk"] = world["organisation"].pk
    return kwargs


def _object_routes(world):
    for route, name in _patterns():
        if name.startswith(APP_NAMESPACES) and name not in PUBLIC:
            yield name, reverse(name, kwargs=_args(name, route, world))


def _state() -> tuple:
    """What any of these requests could change."""
    return (
        list(Questionnaire.objects.values_list("pk", "status", "progress", "title")),
        list(Response.objects.values_list("pk", "status", "text", "approver_id", "is_flagged", "assignee_id")),
        list(LibraryEntryVersion.objects.values_list("pk", "status", "approver_id")),
        list(Package.objects.values_list("pk", "status", "released_by_id")),
        list(RenderedPdf.objects.values_list("pk", "status", "attempts")),
        list(Invitation.objects.values_list("pk", "revoked_at")),
        list(User.objects.values_list("pk", "is_active", "role")),
        TOTPDevice.objects.count(),
        list(Share.objects.values_list("pk", "revoked_at", "expires_at")),
        Download.objects.count(),
        list(CustomerOrganisation.objects.values_list("pk", "suspended_at")),
        list(LearningItem.objects.values_list("pk", "decision", "decided_by_id")),
        MatchFeedback.objects.count(),
        LearningBatch.objects.count(),
    )


def _fresh(client):
    session = client.session
    session["mfa_verified_at"] = time.time()
    session.save()


def test_a_customer_of_another_organisation_reaches_nothing_and_changes_nothing(world, mfa_client, other_customer):
    client = mfa_client(other_customer)
    client.raise_request_exception = False
    before = _state()
    reached = []
    for name, path in _object_routes(world):
        if name in OWN_PAGES or name.startswith("accounts:mfa"):
            continue  # the customer's own dashboard and second-factor pages
        for method in ("get", "post"):
            status = getattr(client, method)(path, {"confirm": "delivered", "otp_code": "000000"}).status_code
            allowed = (404, 405) if name in OWN_ORGANISATION_PAGES else (403, 404, 405)
            if status not in allowed:
                reached.append(f"{method.upper()} {path} ({name}) answered {status}")
    assert reached == [], "\n".join(reached)
    assert _state() == before


def test_a_customer_never_reaches_a_staff_page_of_their_own_organisation(world, mfa_client, customer):
    client = mfa_client(customer)
    client.raise_request_exception = False
    before = _state()
    reached = []
    for name, path in _object_routes(world):
        if name in OWN_ORGANISATION_PAGES | OWN_PAGES or name.startswith("accounts:mfa"):
            continue  # their organisation's page, their dashboard and their own second-factor pages
        for method in ("get", "post"):
            status = getattr(client, method)(path).status_code
            if status not in (403, 404, 405):
                reached.append(f"{method.upper()} {path} ({name}) answered {status}")
    assert reached == [], "\n".join(reached)
    assert _state() == before


@pytest.mark.parametrize(
    "action",
    ["version-approve", "review-approve-bulk", "response-approve", "questionnaire-approve-all", "package-release"],
)
def test_nobody_approves_or_releases_their_own_work_over_http(world, mfa_client, action):
    author = UserFactory(role=Role.SECURITY_LEAD)
    entry = library_entry(author=author, key="lead-wrote-this")
    response = Response.objects.get(pk=Response.objects.get(question_id=world["question_pk"]).pk)
    questionnaire_services.response_edit(actor=author, response=response, text="Yes, always.", choice="")
    package = report_services.package_create(
        actor=author, organisation=world["organisation"], title="Mine", entries=[world["entry"]]
    )
    client = mfa_client(author)
    _fresh(client)
    path, data = {
        "version-approve": (reverse("library:version-approve", args=[entry.key, 1]), {}),
        "review-approve-bulk": (reverse("library:review-approve-bulk"), {"version": entry.latest_version_id}),
        "response-approve": (reverse("questionnaires:response-approve", args=[world["pk"], world["question_pk"]]), {}),
        "questionnaire-approve-all": (reverse("questionnaires:questionnaire-approve-all", args=[world["pk"]]), {}),
        "package-release": (reverse("reports:package-release", args=[package.reference]), {}),
    }[action]
    before = _state()
    reply = client.post(path, data, follow=True)
    assert reply.status_code in (200, 403)
    assert _state() == before
    assert Response.objects.get(question_id=world["question_pk"]).status == ResponseStatus.ACCEPTED


def test_a_second_person_can_do_what_the_author_cannot(world, mfa_client, lead):
    """The same request by someone else goes through, so the refusals above are the rule, not a broken URL."""
    client = mfa_client(UserFactory(role=Role.SECURITY_LEAD))
    device = TOTPDevice.objects.filter(user__role=Role.SECURITY_LEAD).exclude(user=lead).last()
    reply = client.post(
        reverse("questionnaires:response-approve", args=[world["pk"], world["question_pk"]]),
        {"otp_code": totp_code(device)},
    )
    assert reply.status_code == 302
    assert Response.objects.get(question_id=world["question_pk"]).status == ResponseStatus.APPROVED
