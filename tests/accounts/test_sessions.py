"""Session lifetime: 30 minutes idle, renewed by activity; a lapsed session is signed out."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_idle_expiry_is_thirty_minutes_and_moves_with_activity(mfa_client, manager):
    client = mfa_client(manager)
    client.get("/")
    row = Session.objects.get(session_key=client.session.session_key)
    remaining = row.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)

    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get("/")
    renewed = Session.objects.get(session_key=client.session.session_key).expire_date - timezone.now()
    assert renewed > timedelta(minutes=29)


def test_lapsed_session_is_signed_out(mfa_client, manager):
    client = mfa_client(manager)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
