"""Input shapes for account pages; the services decide and save."""

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from .models import CustomerOrganisation, Role


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code:
            raise forms.ValidationError("Enter a code.")
        return code


class EnrolForm(CodeForm):
    code = forms.RegexField(
        label="First code from the app",
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        error_messages={"invalid": "Enter the 6 digits your authenticator app shows now."},
        help_text="After scanning, your app shows a new 6-digit code every 30 seconds. Enter the current one.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(
        label="Organisation name",
        max_length=200,
        help_text="The customer's legal or trading name, as their security team will recognise it.",
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Email address", help_text="The invitation link is sent here; it works once, for 7 days."
    )
    role = forms.ChoiceField(label="Role")
    organisation = forms.ModelChoiceField(
        label="Customer organisation",
        queryset=CustomerOrganisation.objects.none(),
        required=False,
        help_text="Required for customer users: they see only what is shared with this organisation.",
    )

    def __init__(self, *args, roles: list[str], organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
        self.fields["organisation"].queryset = organisations
        if roles == [Role.CUSTOMER]:
            self.fields["role"].initial = Role.CUSTOMER

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.CUSTOMER and not data.get("organisation"):
            self.add_error("organisation", "Choose the organisation this customer user belongs to.")
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    organisation = forms.ModelChoiceField(
        label="Customer organisation",
        queryset=CustomerOrganisation.objects.all(),
        required=False,
        help_text="Only for the customer role.",
    )

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.CUSTOMER and not data.get("organisation"):
            self.add_error("organisation", "Customer users belong to a customer organisation.")
        return data


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data
