"""Every URL pattern, as every role, with empty or junk input: a page, a redirect or a 4xx, never a 500.

The same walk runs on SQLite and on PostgreSQL (which refuses NUL in text and overflows on huge ids)."""

import importlib
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.test import Client

from accounts.models import Role
from questionnaires.models import Question
from questionnaires.services import learning_batch_create, questionnaire_create, questionnaire_import
from reports.services import package_create
from tests.accounts.test_url_walk import _concrete, _patterns
from tests.factories import UserFactory, library_entry

pytestmark = pytest.mark.django_db

APPS = ("accounts", "audit", "library", "questionnaires", "evidence", "reports", "workspace")
ROLES = [Role.ADMIN, Role.SECURITY_LEAD, Role.ACCOUNT_MANAGER, Role.CUSTOMER]
JUNK = {
    "empty": "",
    "nul": "\x00",
    "letters": "abc",
    "negative": "-1",
    "huge-number": "9" * 30,
    "over-long": "x" * 10_000,
}
# Path converters accept "x" and "1" already; these are the values that reach them differently.
PATH_JUNK = {"\x00", "9" * 30, "x" * 10_000}
SKIPPED = {"account_logout", "otpadmin:logout"}  # would end the walking session


def _parameter_names() -> list[str]:
    """Every name a view reads from the query or a form: found in the source, so a new one is walked too."""
    names = {"q", "page", "next", "organisation", "status", "sort", "o", "p"}  # o, p: the admin's lists
    read = re.compile(r"request\.(?:GET|POST)\.(?:get|getlist)\(\s*\"([^\"]+)\"")
    root = Path(__file__).resolve().parent.parent
    for app in APPS:
        for source in (root / app).rglob("*.py"):
            names.update(read.findall(source.read_text()))
        if (root / app / "forms.py").is_file():
            module = importlib.import_module(f"{app}.forms")
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == module.__name__
                ):
                    names.update(value.base_fields)
    return sorted(names)


PARAMETERS = _parameter_names()


@pytest.fixture
def seeded(manager, lead, organisation):
    """A real object behind each kind of URL, so the junk reaches the views and not only the 404 page."""
    entry = library_entry(author=manager, approver=lead, key="x")  # makes /library/entries/x/ a real page
    questionnaire = questionnaire_create(
        actor=manager,
        filename="q.csv",
        data=b"ID,Question,Answer\r\nQ1,Is MFA enforced?,\r\n",
        organisation=organisation,
        queue_import=False,
    )
    questionnaire_import(questionnaire_id=questionnaire.pk)
    package = package_create(actor=manager, organisation=organisation, title="Answers", entries=[entry])
    batch = learning_batch_create(
        actor=manager, files=[("answered.csv", b"ID,Question,Answer\r\nQ1,Is MFA enforced?,Yes\r\n")]
    )
    target = UserFactory(role=Role.ACCOUNT_MANAGER)
    ids = {"questionnaires": questionnaire.pk, "workspace": organisation.pk, "accounts": target.pk}
    fill = {
        "question_pk": str(Question.objects.get(questionnaire=questionnaire).pk),
        "key": "x",
        "number": "1",
        "reference": package.reference,
        "revision": "1",
        "item_pk": str(batch.items.get().pk),
    }

    def pk_for(name: str) -> str:
        return str(batch.pk if name.startswith("questionnaires:learning") else ids.get(name.split(":")[0], 1))

    return organisation, lambda name: {**fill, "pk": pk_for(name)}


def _requests(route: str, name: str, fill: dict, junk: str, role: str):
    """Where the walk sends the junk for one route: by GET and by POST, and in the path itself."""
    if name.startswith("otpadmin:") and role != Role.ADMIN and junk:
        return  # the admin site refuses other roles before it reads any input: the empty walk shows it
    path = _concrete(route, fill)
    yield "get", path
    yield "post", path
    if junk in PATH_JUNK and "<" in route:
        path = _concrete(route, dict.fromkeys(re.findall(r"<(?:\w+:)?(\w+)>", route), quote(junk)))
        yield "get", path
        yield "post", path


@pytest.mark.parametrize("junk", JUNK.values(), ids=JUNK.keys())
@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_500_to_junk_in_any_parameter_or_path_segment(role, junk, seeded, mfa_client):
    organisation, fill = seeded
    client: Client = mfa_client(UserFactory(role=role, organisation=organisation if role == Role.CUSTOMER else None))
    client.raise_request_exception = False
    form = urlencode(dict.fromkeys(PARAMETERS, junk))  # encoded once: 60 fields of 10,000 characters add up
    failures = []
    for route, name in _patterns():
        if name in SKIPPED:
            continue
        for method, path in _requests(route, name, fill(name), junk, role):
            if method == "get":
                response = client.get(f"{path}?{form}")
            else:
                response = client.post(path, form, content_type="application/x-www-form-urlencoded")
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {path[:80]} ({name}) → {response.status_code}")
    assert failures == []


def test_the_walk_sends_the_parameters_the_views_read():
    assert {"organisation", "questionnaire", "entry_q", "role", "version", "old", "new", "owner"} <= set(PARAMETERS)
