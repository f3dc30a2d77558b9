"""Input shapes for the public trust page and the staff pages that decide access requests."""

import time

from django import forms
from django.core import signing

from accounts.ids import id_from

# Automated posts fill a form in well under this; a person reading the page does not.
MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 24 * 60 * 60
FORM_SALT = "evidence.trust.access-request"
REFUSED = "Your request could not be sent. Wait a few seconds and send the form again."


def form_started_token() -> str:
    """A signed record of when the form was shown (tamper-proof without any server state)."""
    return signing.dumps(time.time(), salt=FORM_SALT)


class TrustSearchForm(forms.Form):
    q = forms.CharField(label="Search the answers", max_length=200, required=False)


class AccessRequestForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=200)
    email = forms.EmailField(label="Work e-mail", max_length=254, help_text="The invitation goes to this address.")
    company = forms.CharField(label="Company", max_length=200)
    message = forms.CharField(
        label="What do you need?",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional: the review you are running, or the documents you need.",
    )
    # A field people never see (hidden by CSS, skipped by keyboard and screen readers); robots fill it in.
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(REFUSED, code="honeypot")
        try:
            started = float(signing.loads(self.data.get("started", ""), salt=FORM_SALT, max_age=MAX_FORM_AGE_SECONDS))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(
                "This form has expired. Reload the page and send it again.", code="stale"
            ) from None
        if time.time() - started > MAX_FORM_AGE_SECONDS:
            raise forms.ValidationError("This form has expired. Reload the page and send it again.", code="stale")
        if time.time() - started < MIN_FILL_SECONDS:
            raise forms.ValidationError(REFUSED, code="too_fast")
        return data


class IdModelChoiceField(forms.ModelChoiceField):
    """A choice of one row that refuses a value that is no id before it reaches the database."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if id_from(str(value)) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class AccessRequestApproveForm(forms.Form):
    organisation = IdModelChoiceField(
        label="Existing organisation",
        queryset=None,
        required=False,
        empty_label="— Create a new organisation —",
        help_text="The person joins this customer's users and sees what is shared with it.",
    )
    new_organisation = forms.CharField(
        label="Or a new organisation",
        max_length=200,
        required=False,
        help_text="Created with this name when no existing organisation is chosen.",
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean(self):
        data = super().clean()
        if not data.get("organisation") and not (data.get("new_organisation") or "").strip():
            raise forms.ValidationError("Choose an existing organisation or name a new one.")
        if data.get("organisation") and (data.get("new_organisation") or "").strip():
            raise forms.ValidationError("Choose an existing organisation or name a new one, not both.")
        return data
