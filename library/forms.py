"""Input shapes for the answer library pages."""

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from accounts.models import Role, User
from fileformats.uploads import LIBRARY_FILE

from .file_format import CATEGORY_PATTERN, KEY_PATTERN
from .models import COMPANY_PROFILE_FIELDS, Classification, CompanyProfile, Figure, ShortAnswer
from .selectors import STATUS_FILTERS


class VersionTextForm(forms.Form):
    question = forms.CharField(
        label="Question",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The canonical wording, as a questionnaire would ask it.",
    )
    answer = forms.CharField(
        label="Answer",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 9}),
        help_text="The full answer sent to customers. State only what is true and sourced.",
    )
    short_answer = forms.ChoiceField(
        label="Short answer",
        choices=ShortAnswer.choices,
        required=False,
        help_text="Put into Yes/No dropdown cells; the full answer goes into the comment column.",
    )
    aliases = forms.CharField(
        label="Other phrasings",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: how CAIQ, SIG, HECVAT or customers word the same question. Helps auto-fill.",
    )
    sources = forms.CharField(
        label="Sources (internal)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where each fact comes from. Never shown to customers.",
    )


class EntryCreateForm(VersionTextForm):
    key = forms.CharField(
        label="Key",
        max_length=100,
        validators=[RegexValidator(KEY_PATTERN, "Lower-case letters, digits and hyphens only.")],
        help_text="A short permanent identifier, e.g. particle-firewall-ports. It cannot change later.",
    )
    category = forms.CharField(
        label="Category",
        max_length=40,
        validators=[RegexValidator(CATEGORY_PATTERN, "One lower-case word, e.g. network.")],
        help_text="Groups entries in the library and in health reports, e.g. network, access, device.",
    )
    classification = forms.ChoiceField(
        label="Classification",
        choices=Classification.choices,
        initial=Classification.NDA,
        help_text="Public: anyone. NDA only: customers who accepted the NDA. Internal: never leaves the company.",
    )
    field_order = ["key", "category", "classification", "question", "answer", "short_answer", "aliases", "sources"]


class EntrySettingsForm(forms.Form):
    category = EntryCreateForm.base_fields["category"]
    classification = EntryCreateForm.base_fields["classification"]
    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=User.objects.filter(role__in=[Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD], is_active=True),
        help_text="Gets the review reminders.",
    )
    figure = forms.ChoiceField(
        label="Figure",
        choices=Figure.choices,
        required=False,
        help_text="Shown with the answer here and in PDF packages.",
    )


class RejectForm(forms.Form):
    comment = forms.CharField(
        label="What needs to change",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The author sees this with the rejected version.",
    )


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    category = forms.ChoiceField(label="Category", required=False)
    classification = forms.ChoiceField(
        label="Classification", required=False, choices=[("", "Any classification"), *Classification.choices]
    )
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *STATUS_FILTERS.items()])
    owner = forms.ModelChoiceField(label="Owner", required=False, queryset=User.objects.none(), empty_label="Anyone")

    def __init__(self, *args, categories: list[str], owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category"), *((c, c) for c in categories)]
        self.fields["owner"].queryset = owners


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Library file",
        help_text=f"CSV (UTF-8) or XLSX, at most {LIBRARY_FILE.max_mb} MB. First row: key, question, answer, "
        "short_answer, category, classification, aliases (aliases separated by ' | '); an optional sources column.",
    )


class DiffForm(forms.Form):
    old = forms.IntegerField(min_value=1)
    new = forms.IntegerField(min_value=1)


class CompanyProfileForm(forms.ModelForm):
    class Meta:
        model = CompanyProfile
        fields = COMPANY_PROFILE_FIELDS
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "product_description": forms.Textarea(attrs={"rows": 3}),
            "website": forms.URLInput(attrs={"placeholder": "https://www.example.com"}),
        }

    groups = (
        ("Company", ["legal_name", "trading_name", "address", "headquarters_country", "website"]),
        ("Size and registration", ["year_founded", "employee_count", "duns_number"]),
        ("Product", ["product_name", "product_description"]),
        (
            "Primary contact",
            ["primary_contact_name", "primary_contact_title", "primary_contact_email", "primary_contact_phone"],
        ),
        (
            "Security contact",
            ["security_contact_name", "security_contact_title", "security_contact_email", "security_contact_phone"],
        ),
    )

    def field_groups(self):
        """(title, bound fields) for each fieldset of the page."""
        return [(title, [self[name] for name in names]) for title, names in self.groups]

    def clean_year_founded(self):
        year = self.cleaned_data.get("year_founded")
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError("The year founded cannot be in the future.")
        return year

    def clean(self):
        cleaned = super().clean()
        # Surrounding spaces would end up in the customer's cells; nobody means them.
        return {name: value.strip() if isinstance(value, str) else value for name, value in cleaned.items()}
