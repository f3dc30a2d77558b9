"""Control characters in a request are refused at the door with the styled 400 page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/library/?q=%00",
        "/library/?q=a%00b",
        "/library/?%00=x",
        "/library/?q=%07",
        "/library/?q=%1b%5b31m",
        "/packages/%00/",
        "/library/entries/x%0a/",
    ],
)
def test_control_characters_in_path_or_query_are_a_styled_400(mfa_client, manager, path):
    response = mfa_client(manager).get(path)
    assert response.status_code == 400 and b"Bad request" in response.content


def test_control_characters_are_refused_before_sign_in_is_asked(client):
    assert client.get("/packages/%00/").status_code == 400


@pytest.mark.parametrize("field", [{"name": "Acme\x00"}, {"name": "Acme\x0b"}, {"name\x00": "Acme"}])
def test_control_characters_in_form_fields_are_a_400_and_nothing_is_saved(mfa_client, manager, field):
    from accounts.models import CustomerOrganisation

    response = mfa_client(manager).post(reverse("accounts:organisation-create"), field)
    assert response.status_code == 400
    assert not CustomerOrganisation.objects.filter(name__startswith="Acme").exists()


def test_tabs_and_line_breaks_in_form_fields_pass(mfa_client, manager):
    from accounts.models import CustomerOrganisation

    response = mfa_client(manager).post(reverse("accounts:organisation-create"), {"name": "Acme\tIndustrial\r\n"})
    assert response.status_code == 302
    assert CustomerOrganisation.objects.filter(name="Acme\tIndustrial").exists()


def test_uploaded_files_may_hold_nul_bytes(client):
    upload = SimpleUploadedFile("package.pdf", b"%PDF-1.7\x00\x00 not really a pdf")
    response = client.post(reverse("reports:verify"), {"file": upload})
    assert response.status_code == 200 and not response.context["result"].ok


def test_a_malformed_form_body_is_a_400(client):
    response = client.generic(
        "POST", reverse("reports:verify"), b"--nope\r\nbroken", content_type="multipart/form-data; boundary="
    )
    assert response.status_code == 400
