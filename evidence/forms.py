"""Input shapes for the evidence pages."""

import re

from django import forms

from accounts.models import User
from fileformats.uploads import EVIDENCE

from .models import DocumentClassification, DocumentKind

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_KEYS = re.compile(r"[\s,]+")


class DocumentFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any kind"), *DocumentKind.choices])
    classification = forms.ChoiceField(
        label="Classification", required=False, choices=[("", "Any classification"), *DocumentClassification.choices]
    )


class VersionForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text=f"PDF, PNG or JPEG, at most {EVIDENCE.max_mb} MB. The type is read from the content; PDFs with "
        "JavaScript, launch actions, embedded files or a password are refused.",
    )
    effective_on = forms.DateField(label="Effective from", required=False, widget=_DATE, help_text="Today if empty.")
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=_DATE,
        help_text="The last day it backs answers. Owners are reminded 30, 7 and 1 days before. Empty: never.",
    )
    period_start = forms.DateField(
        label="Period covered from",
        required=False,
        widget=_DATE,
        help_text="For audit reports: the first day examined.",
    )
    period_end = forms.DateField(
        label="Period covered to", required=False, widget=_DATE, help_text="The last day the report covers."
    )


class DocumentCreateForm(VersionForm):
    title = forms.CharField(
        label="Title", max_length=200, help_text="As customers will see it, e.g. SOC 2 Type II report 2026."
    )
    kind = forms.ChoiceField(label="Kind", choices=DocumentKind.choices)
    classification = forms.ChoiceField(
        label="Classification",
        choices=DocumentClassification.choices,
        initial=DocumentClassification.NDA,
        help_text="NDA only: customers read it after accepting the NDA. Public: anyone (security leads only). "
        "Internal: never leaves the company.",
    )
    owner = forms.ModelChoiceField(
        label="Owner", queryset=User.objects.none(), help_text="Keeps it current and receives the expiry reminders."
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the document shows, in a sentence or two.",
    )

    field_order = ["title", "kind", "classification", "owner", "description", "file"]

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class ClassificationForm(forms.Form):
    classification = forms.ChoiceField(label="Classification", choices=DocumentClassification.choices)


class ExpiryForm(forms.Form):
    expires_on = forms.DateField(
        label="Expires on", required=False, widget=_DATE, help_text="Empty: the document never expires."
    )


class CitationForm(forms.Form):
    keys = forms.CharField(
        label="Library entry keys",
        max_length=2000,
        help_text="One or more keys, separated by commas or spaces, e.g. our-soc2-report. The entry's draft or "
        "wording in review cites it when there is one, else its approved wording.",
    )

    def clean_keys(self) -> list[str]:
        keys = [key for key in _KEYS.split(self.cleaned_data["keys"].strip().lower()) if key]
        if len(keys) > 50:
            raise forms.ValidationError("Cite from at most 50 entries at a time.")
        return keys


class CitationRemoveForm(forms.Form):
    library_version = forms.IntegerField(min_value=1)
