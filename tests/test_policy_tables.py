"""Allow/deny tables for every policy function, and the test that a new policy cannot ship without one.

Each public function in an app's `policies.py` is listed in a POLICY_TABLES dict (this module's, or one
in any other test module) with the test that holds its table.
The tables read: who asks (role; active or not; signed in or not) by whose object (own organisation,
another one, missing) by what they did to it (wrote, edited, assembled, nothing) → the expected answer.
"""

import importlib
import inspect
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

import accounts.policies
import audit.policies
import library.policies
import questionnaires.policies
import reports.policies
from accounts.models import Role
from accounts.policies import Intent
from library import services as library_services
from library.models import LibraryEntry, LibraryEntryVersion
from library.policies import LeaveRefusal
from library.selectors import leaving_entries
from questionnaires import services as questionnaire_services
from questionnaires.models import Response
from reports import services as report_services
from reports.models import RenderedPdf
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db

POLICY_MODULES = (accounts.policies, audit.policies, library.policies, questionnaires.policies, reports.policies)

# Who asks. "inactive" is a deactivated security lead; "anonymous" is not signed in.
WHO = ("admin", "lead", "manager", "customer", "inactive", "anonymous")


def person(who: str, organisation=None):
    if who == "anonymous":
        return AnonymousUser()
    if who == "inactive":
        return UserFactory(role=Role.SECURITY_LEAD, is_active=False)
    role = {"admin": Role.ADMIN, "lead": Role.SECURITY_LEAD, "manager": Role.ACCOUNT_MANAGER}.get(who, Role.CUSTOMER)
    if role == Role.CUSTOMER and organisation is not None:
        return UserFactory(role=role, organisation=organisation)
    return UserFactory(role=role)


# --- Role predicates: role → allowed -----------------------------------------------------------------

ROLE_TABLE = {
    #                                              admin  lead   manager customer inactive anonymous
    accounts.policies.is_vendor_staff: (True, True, True, False, False, False),
    accounts.policies.is_admin: (True, False, False, False, False, False),
    accounts.policies.can_manage_users: (True, False, False, False, False, False),
    accounts.policies.can_view_system_status: (True, False, False, False, False, False),
    accounts.policies.can_manage_organisations: (True, True, True, False, False, False),
    audit.policies.can_view_audit: (True, True, False, False, False, False),
    library.policies.can_view_library: (True, True, True, False, False, False),
    library.policies.can_edit_library: (False, True, True, False, False, False),
    library.policies.can_review_library: (False, True, False, False, False, False),
    questionnaires.policies.can_work_on_questionnaires: (False, True, True, False, False, False),
    reports.policies.can_assemble_package: (False, True, True, False, False, False),
    reports.policies.can_see_recipient: (True, True, True, False, False, False),
}


@pytest.mark.parametrize("policy", list(ROLE_TABLE), ids=lambda p: p.__name__)
def test_role_predicates(policy):
    answers = tuple(policy(person(who)) for who in WHO)
    assert answers == ROLE_TABLE[policy], dict(zip(WHO, answers, strict=True))


@pytest.mark.parametrize(
    ("who", "roles", "expected"),
    [
        ("lead", (Role.SECURITY_LEAD,), True),
        ("lead", (Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD), True),
        ("manager", (Role.SECURITY_LEAD,), False),
        ("customer", (Role.CUSTOMER,), True),
        ("inactive", (Role.SECURITY_LEAD,), False),
        ("anonymous", (Role.CUSTOMER,), False),
        ("admin", (), False),
    ],
)
def test_has_role(who, roles, expected):
    assert accounts.policies.has_role(person(who), *roles) is expected


def test_is_verified_needs_a_passed_second_factor():
    user = UserFactory()
    assert accounts.policies.is_verified(AnonymousUser()) is False
    user.is_verified = lambda: False
    assert accounts.policies.is_verified(user) is False
    user.is_verified = lambda: True
    assert accounts.policies.is_verified(user) is True


@pytest.mark.parametrize(
    ("who", "invitable"),
    [
        ("admin", {Role.ADMIN, Role.SECURITY_LEAD, Role.ACCOUNT_MANAGER, Role.CUSTOMER}),
        ("lead", {Role.CUSTOMER}),
        ("manager", {Role.CUSTOMER}),
        ("customer", set()),
        ("inactive", set()),
        ("anonymous", set()),
    ],
)
def test_invitation_table(who, invitable):
    user = person(who)
    assert set(accounts.policies.invitable_roles(user)) == invitable
    for role in Role.values:
        assert accounts.policies.can_invite(user, role) is (role in invitable)


@pytest.mark.parametrize(
    ("who", "target", "expected"),
    [("admin", "other", True), ("admin", "self", False), ("lead", "other", False), ("customer", "other", False)],
)
def test_managing_an_account(who, target, expected):
    actor = person(who)
    other = actor if target == "self" else UserFactory(role=Role.ADMIN)
    assert accounts.policies.can_manage_user(actor, other) is expected


# --- Four eyes: contributor by role → may approve --------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "expected"),
    [("wrote", "You wrote this version, so someone else must approve it."), (None, None)],
)
def test_four_eyes_refusal(done, expected):
    user = UserFactory(role=Role.SECURITY_LEAD)
    contributions = {user.pk: done} if done else {UserFactory().pk: "wrote"}
    assert accounts.policies.four_eyes_refusal(user, contributions=contributions, subject="version") == expected


@pytest.fixture
def people():
    return {
        "author": UserFactory(role=Role.SECURITY_LEAD),
        "editor": UserFactory(role=Role.SECURITY_LEAD),
        "other_lead": UserFactory(role=Role.SECURITY_LEAD),
        "manager": UserFactory(role=Role.ACCOUNT_MANAGER),
        "admin": UserFactory(role=Role.ADMIN),
    }


@pytest.mark.parametrize(
    ("who", "may_approve", "may_reject"),
    [
        ("author", False, True),
        ("editor", False, True),
        ("other_lead", True, True),
        ("manager", False, False),
        ("admin", False, False),
    ],
)
def test_library_version_four_eyes_table(people, who, may_approve, may_reject):
    entry = library_entry(author=people["author"])
    version = entry.latest_version
    # The editor changes the wording, then the author takes it back over and submits it.
    version = library_services.version_save_draft(
        actor=people["editor"], entry=entry, text=library_services.VersionText("Q?", "Edited.")
    )
    version = library_services.version_save_draft(
        actor=people["author"], entry=entry, text=library_services.VersionText("Q?", "Edited again.")
    )
    version = library_services.version_submit(actor=people["author"], version=version)
    user = people[who]
    assert library.policies.can_approve_entry_version(user, version) is may_approve
    assert (library.policies.approval_refusal(user, version) is None) is may_approve
    assert library.policies.can_reject_entry_version(user, version) is may_reject
    contributions = library.policies.version_contributions(version)
    assert contributions[people["author"].pk] == "wrote" and contributions[people["editor"].pk] == "edited"


@pytest.fixture
def answered(people, organisation):
    """A questionnaire response edited by `editor` and accepted last by `manager`."""
    library_entry(author=people["manager"], approver=people["other_lead"], key="mfa", question="Is MFA enforced?")
    created = questionnaire_services.questionnaire_create(
        actor=people["manager"],
        filename="q.csv",
        data=b"ID,Question,Answer\r\nQ1,Is MFA enforced?,\r\n",
        organisation=organisation,
        queue_import=False,
    )
    questionnaire = questionnaire_services.questionnaire_import(questionnaire_id=created.pk)
    response = Response.objects.get(question__questionnaire=questionnaire)
    questionnaire_services.response_edit(actor=people["editor"], response=response, text="Yes.", choice="")
    questionnaire_services.response_accept(actor=people["manager"], response=Response.objects.get(pk=response.pk))
    return Response.objects.get(pk=response.pk)


@pytest.mark.parametrize(
    ("who", "may_approve"),
    [("editor", False), ("manager", False), ("other_lead", True), ("author", True), ("admin", False)],
)
def test_response_four_eyes_table(people, answered, who, may_approve):
    user = people[who]
    assert questionnaire_services and questionnaires.policies.can_approve_response(user, answered) is may_approve
    assert (questionnaires.policies.response_approval_refusal(user, answered) is None) is may_approve
    assert questionnaires.policies.responses_approvable_by(user).filter(pk=answered.pk).exists() is may_approve
    contributions = questionnaires.policies.response_contributions(answered)
    assert set(contributions) == {people["editor"].pk, people["manager"].pk}


@pytest.mark.parametrize(
    ("who", "may_release"),
    [("assembler", False), ("other_lead", True), ("manager", False), ("admin", False), ("customer", False)],
)
def test_package_release_table(people, organisation, who, may_release):
    assembler = people["author"]
    entry = library_entry(author=people["manager"], approver=people["other_lead"])
    package = report_services.package_create(actor=assembler, organisation=organisation, title="T", entries=[entry])
    user = assembler if who == "assembler" else person("customer", organisation) if who == "customer" else people[who]
    assert reports.policies.can_release_package(user, package) is may_release
    assert (reports.policies.release_refusal(user, package) is None) is may_release


# --- One door per object: who by whose by intent → object, 404 or 403 -------------------------------------

OK, MISSING, FORBIDDEN = "ok", "404", "403"


def outcome(fetch) -> str:
    try:
        fetch()
    except Http404:
        return MISSING
    except PermissionDenied:
        return FORBIDDEN
    return OK


@pytest.mark.parametrize(
    ("who", "own", "other", "edit"),
    [
        ("admin", OK, OK, OK),
        ("lead", OK, OK, OK),
        ("customer", OK, MISSING, FORBIDDEN),
        ("inactive", MISSING, MISSING, MISSING),
        ("anonymous", MISSING, MISSING, MISSING),
    ],
)
def test_organisation_door(organisation, other_organisation, who, own, other, edit):
    user = person(who, organisation)
    assert outcome(lambda: accounts.policies.organisation_get_for(user, organisation.pk)) == own
    assert outcome(lambda: accounts.policies.organisation_get_for(user, other_organisation.pk)) == other
    assert outcome(lambda: accounts.policies.organisation_get_for(user, organisation.pk, for_=Intent.EDIT)) == edit
    assert outcome(lambda: accounts.policies.organisation_get_for(user, 987654)) == MISSING
    assert accounts.policies.organisations_for(user).filter(pk=organisation.pk).exists() is (own == OK)


@pytest.mark.parametrize(
    ("who", "staff_invite", "customer_invite"),
    [("admin", OK, OK), ("lead", MISSING, OK), ("manager", MISSING, OK), ("customer", MISSING, MISSING)],
)
def test_invitation_door(organisation, who, staff_invite, customer_invite):
    from accounts.services import invitation_create

    admin = UserFactory(role=Role.ADMIN)
    staff, _ = invitation_create(actor=admin, email="new-lead@example.com", role=Role.SECURITY_LEAD, organisation=None)
    customer, _ = invitation_create(
        actor=admin, email="new-customer@example.com", role=Role.CUSTOMER, organisation=organisation
    )
    user = person(who, organisation)
    assert outcome(lambda: accounts.policies.invitation_get_for(user, staff.pk)) == staff_invite
    assert outcome(lambda: accounts.policies.invitation_get_for(user, customer.pk)) == customer_invite
    assert accounts.policies.invitations_for(user).count() == [staff_invite, customer_invite].count(OK)


@pytest.mark.parametrize(("who", "expected"), [("admin", OK), ("lead", MISSING), ("customer", MISSING)])
def test_user_door(who, expected):
    user, target = person(who), UserFactory()
    assert outcome(lambda: accounts.policies.user_get_for(user, target.pk)) == expected
    assert accounts.policies.users_for(user).filter(pk=target.pk).exists() is (expected == OK)


@pytest.mark.parametrize(
    ("who", "view", "edit", "approve"),
    [
        ("admin", OK, FORBIDDEN, FORBIDDEN),
        ("lead", OK, OK, OK),
        ("manager", OK, OK, FORBIDDEN),
        ("customer", MISSING, MISSING, MISSING),
        ("inactive", MISSING, MISSING, MISSING),
        ("anonymous", MISSING, MISSING, MISSING),
    ],
)
def test_library_door(manager, lead, who, view, edit, approve):
    entry = library_entry(author=manager, approver=lead)
    user = person(who)
    for intent, expected in ((Intent.VIEW, view), (Intent.EDIT, edit), (Intent.APPROVE, approve)):
        assert outcome(lambda intent=intent: library.policies.entry_get_for(user, entry.key, for_=intent)) == expected
        assert outcome(lambda intent=intent: library.policies.version_get_for(user, entry, 1, for_=intent)) == expected
    assert outcome(lambda: library.policies.entry_get_for(user, "no-such-entry")) == MISSING
    assert library.policies.entries_for(user).filter(pk=entry.pk).exists() is (view == OK)


@pytest.mark.parametrize(
    ("who", "view", "edit", "approve"),
    [
        ("admin", OK, FORBIDDEN, FORBIDDEN),
        ("lead", OK, OK, OK),
        ("manager", OK, OK, FORBIDDEN),
        ("customer", MISSING, MISSING, MISSING),
        ("anonymous", MISSING, MISSING, MISSING),
    ],
)
def test_questionnaire_door(people, answered, organisation, who, view, edit, approve):
    questionnaire = answered.question.questionnaire
    user = person(who, organisation)  # a customer of the questionnaire's own organisation still gets nothing
    for intent, expected in ((Intent.VIEW, view), (Intent.EDIT, edit), (Intent.APPROVE, approve)):
        assert (
            outcome(lambda i=intent: questionnaires.policies.questionnaire_get_for(user, questionnaire.pk, for_=i))
            == expected
        )
        assert (
            outcome(
                lambda i=intent: questionnaires.policies.response_get_for(
                    user, questionnaire, answered.question_id, for_=i
                )
            )
            == expected
        )
    assert outcome(lambda: questionnaires.policies.questionnaire_get_for(user, 987654)) == MISSING
    assert questionnaires.policies.questionnaires_for(user).exists() is (view == OK)


@pytest.mark.parametrize(
    ("who", "view", "edit", "release"),
    [
        ("admin", OK, FORBIDDEN, FORBIDDEN),
        ("lead", OK, OK, OK),
        ("manager", OK, OK, FORBIDDEN),
        ("customer", MISSING, MISSING, MISSING),
        ("anonymous", MISSING, MISSING, MISSING),
    ],
)
def test_package_door(people, organisation, who, view, edit, release):
    entry = library_entry(author=people["manager"], approver=people["other_lead"])
    package = report_services.package_create(
        actor=people["manager"], organisation=organisation, title="T", entries=[entry]
    )
    user = person(who, organisation)
    for intent, expected in ((Intent.VIEW, view), (Intent.EDIT, edit), (Intent.RELEASE, release)):
        assert outcome(lambda i=intent: reports.policies.package_get_for(user, package.reference, for_=i)) == expected
    assert reports.policies.packages_for(user).exists() is (view == OK)
    RenderedPdf.objects.create(package=package, revision=1)
    for intent, expected in ((Intent.VIEW, view), (Intent.EDIT, edit)):
        assert outcome(lambda i=intent: reports.policies.pdf_get_for(user, package.reference, 1, for_=i)) == expected
    assert outcome(lambda: reports.policies.pdf_get_for(user, package.reference, 2)) == MISSING


def test_access_check_answers_403():
    accounts.policies.access_check(True)
    with pytest.raises(PermissionDenied):
        accounts.policies.access_check(False)


@pytest.mark.parametrize(
    ("other", "expected"),
    [("same", None), ("other", "belongs to another customer"), ("none", "is not linked to a customer")],
)
def test_organisation_link_refusal(organisation, other_organisation, other, expected):
    other_id = {"same": organisation.pk, "other": other_organisation.pk, "none": None}[other]
    refusal = accounts.policies.organisation_link_refusal(organisation.pk, other_id, "That questionnaire")
    assert refusal is None if expected is None else expected in refusal


# --- What may leave the company: classification by state by NDA cover → refusal --------------------------


@pytest.mark.parametrize(
    ("classification", "state", "nda_covered", "expected"),
    [
        ("public", "current", False, None),
        ("public", "current", True, None),
        ("nda", "current", True, None),
        ("nda", "current", False, LeaveRefusal.NDA),
        ("internal", "current", True, LeaveRefusal.INTERNAL),
        ("public", "superseded", True, LeaveRefusal.SUPERSEDED),
        ("public", "overdue", True, LeaveRefusal.OVERDUE),
        ("public", "retired", True, LeaveRefusal.RETIRED),
        ("public", "evidence-expired", True, LeaveRefusal.EVIDENCE),
        ("nda", "evidence-current", True, None),
    ],
)
def test_leave_rule_table(manager, lead, classification, state, nda_covered, expected):
    entry = library_entry(author=manager, approver=lead, classification=classification)
    version = entry.approved_version
    if state == "superseded":
        newer = library_services.version_save_draft(
            actor=manager, entry=entry, text=library_services.VersionText("Q?", "Newer.")
        )
        library_services.version_submit(actor=manager, version=newer)
        library_services.version_approve(actor=lead, version=newer, via_cli=True)
    elif state == "overdue":
        LibraryEntry.objects.filter(pk=entry.pk).update(review_due=timezone.localdate() - timedelta(days=1))
    elif state == "retired":
        library_services.entry_retire(actor=lead, entry=entry)
    elif state.startswith("evidence"):
        valid_until = timezone.localdate() + timedelta(days=-1 if state == "evidence-expired" else 30)
        LibraryEntryVersion.objects.filter(pk=version.pk).update(evidence_valid_until=valid_until)
    version.refresh_from_db()
    version.entry.refresh_from_db()
    assert library.policies.leave_refusal(version, nda_covered=nda_covered) == expected
    # The query form of the rule gives the same answer for the entry's current wording.
    leaves = leaving_entries(nda_covered=nda_covered).filter(pk=entry.pk).exists()
    current = version.entry.approved_version
    assert leaves is (current is not None and library.policies.leave_refusal(current, nda_covered=nda_covered) is None)


def test_unapproved_wording_never_leaves(manager):
    entry = library_entry(author=manager)
    assert library.policies.leave_refusal(entry.latest_version, nda_covered=True) == LeaveRefusal.NOT_APPROVED


def test_an_organisation_is_covered_by_an_nda_only_while_flagged(organisation):
    assert library.policies.nda_covers(None) is False
    assert library.policies.nda_covers(organisation) is False
    organisation.is_nda_covered = True
    assert library.policies.nda_covers(organisation) is True


# --- Every policy has its table ---------------------------------------------------------------------------

POLICY_TABLES = {
    **{f"{policy.__module__}.{policy.__name__}": test_role_predicates for policy in ROLE_TABLE},
    "accounts.policies.has_role": test_has_role,
    "accounts.policies.is_verified": test_is_verified_needs_a_passed_second_factor,
    "accounts.policies.invitable_roles": test_invitation_table,
    "accounts.policies.can_invite": test_invitation_table,
    "accounts.policies.can_manage_user": test_managing_an_account,
    "accounts.policies.four_eyes_refusal": test_four_eyes_refusal,
    "accounts.policies.access_check": test_access_check_answers_403,
    "accounts.policies.organisation_link_refusal": test_organisation_link_refusal,
    "accounts.policies.organisations_for": test_organisation_door,
    "accounts.policies.organisation_get_for": test_organisation_door,
    "accounts.policies.invitations_for": test_invitation_door,
    "accounts.policies.invitation_get_for": test_invitation_door,
    "accounts.policies.users_for": test_user_door,
    "accounts.policies.user_get_for": test_user_door,
    "library.policies.approval_refusal": test_library_version_four_eyes_table,
    "library.policies.can_approve_entry_version": test_library_version_four_eyes_table,
    "library.policies.can_reject_entry_version": test_library_version_four_eyes_table,
    "library.policies.version_contributions": test_library_version_four_eyes_table,
    "library.policies.entries_for": test_library_door,
    "library.policies.entry_get_for": test_library_door,
    "library.policies.version_get_for": test_library_door,
    "library.policies.leave_refusal": test_leave_rule_table,
    "library.policies.nda_covers": test_an_organisation_is_covered_by_an_nda_only_while_flagged,
    "questionnaires.policies.response_approval_refusal": test_response_four_eyes_table,
    "questionnaires.policies.can_approve_response": test_response_four_eyes_table,
    "questionnaires.policies.responses_approvable_by": test_response_four_eyes_table,
    "questionnaires.policies.response_contributions": test_response_four_eyes_table,
    "questionnaires.policies.questionnaires_for": test_questionnaire_door,
    "questionnaires.policies.questionnaire_get_for": test_questionnaire_door,
    "questionnaires.policies.response_get_for": test_questionnaire_door,
    "reports.policies.release_refusal": test_package_release_table,
    "reports.policies.can_release_package": test_package_release_table,
    "reports.policies.packages_for": test_package_door,
    "reports.policies.package_get_for": test_package_door,
    "reports.policies.pdf_get_for": test_package_door,
}


def _all_tables() -> dict:
    """POLICY_TABLES of every test module, so each app's tests can hold their own tables."""
    tables = {}
    for path in sorted(Path(__file__).parent.rglob("test_*.py")):
        module = importlib.import_module(".".join(path.relative_to(Path(__file__).parent.parent).with_suffix("").parts))
        tables.update(getattr(module, "POLICY_TABLES", {}))
    return tables


def _policy_modules():
    for app in apps.get_app_configs():
        if app.path.startswith(str(settings.BASE_DIR)) and (Path(app.path) / "policies.py").is_file():
            yield importlib.import_module(f"{app.name}.policies")


def test_every_policy_function_has_an_allow_deny_table():
    modules = list(_policy_modules())
    assert {module.__name__ for module in POLICY_MODULES} <= {module.__name__ for module in modules}
    defined = {
        f"{module.__name__}.{name}"
        for module in modules
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and not name.startswith("_")
    }
    tables = _all_tables()
    assert defined - set(tables) == set(), "policies without an allow/deny table"
    assert set(tables) - defined == set(), "tables for policies that no longer exist"
