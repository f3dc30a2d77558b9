"""Input shapes for the answer library pages."""

from django import forms
from django.core.validators import RegexValidator

from accounts.models import Role, User

from .library_files import CATEGORY_PATTERN, KEY_PATTERN
from .models import Classification, Figure, ShortAnswer
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
        help_text="CSV (UTF-8) or XLSX, at most 5 MB. First row: key, question, answer, short_answer, category, "
        "classification, aliases (aliases separated by ' | '); an optional sources column.",
    )


class DiffForm(forms.Form):
    old = forms.IntegerField(min_value=1)
    new = forms.IntegerField(min_value=1)


class QuestionnaireUploadForm(forms.Form):
    file = forms.FileField(
        label="Questionnaire file",
        help_text="The customer's own file: .xlsx (CAIQ, HECVAT, SIG or any spreadsheet), .csv, or VSAQ .json; "
        "at most 20 MB. Workbooks with macros or external links are refused.",
    )
    title = forms.CharField(label="Title", max_length=200, required=False, help_text="Defaults to the file name.")
    organisation = forms.ModelChoiceField(
        label="Customer", queryset=None, required=False, empty_label="— Not for a customer yet —"
    )
    due_on = forms.DateField(
        label="Due date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the customer expects it back.",
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class QuestionnaireSettingsForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    organisation = forms.ModelChoiceField(label="Customer", queryset=None, required=False, empty_label="— None —")
    due_on = forms.DateField(label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    owner = forms.ModelChoiceField(label="Owner", queryset=None)

    def __init__(self, *args, organisations, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["owner"].queryset = owners


class ResponseEditForm(forms.Form):
    choice = forms.ChoiceField(label="Value in the customer's cell", required=False)
    text = forms.CharField(
        label="Answer",
        required=False,
        max_length=32000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Written into the free-text or comment cell. Editing library wording marks the answer as edited.",
    )

    def __init__(self, *args, options: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        if options:
            self.fields["choice"].choices = [("", "—"), *options]
        else:
            del self.fields["choice"]


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="Assign to", queryset=None, required=False, empty_label="Nobody")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


class CommentForm(forms.Form):
    body = forms.CharField(label="Comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class MappingForm(forms.Form):
    sheet = forms.ChoiceField(label="Sheet", required=False, help_text="CSV files have a single, unnamed sheet.")
    header_row = forms.IntegerField(
        label="Header row", min_value=1, max_value=10000, help_text="The row with the column titles."
    )
    id_column = forms.CharField(label="ID column", max_length=3, required=False, help_text="Letter, e.g. A. Optional.")
    question_column = forms.CharField(label="Question column", max_length=3, help_text="Letter, e.g. B.")
    answer_column = forms.CharField(label="Answer column", max_length=3, help_text="Letter of the column we fill in.")
    comment_column = forms.CharField(label="Comment column", max_length=3, required=False, help_text="Optional.")

    def __init__(self, *args, sheets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(s, s or "(CSV)") for s in sheets]

    def clean(self):
        data = super().clean()
        for name in ("id_column", "question_column", "answer_column", "comment_column"):
            value = (data.get(name) or "").strip().upper()
            if value and not value.isalpha():
                self.add_error(name, "Use the column letter, e.g. C.")
            data[name] = value or None
        return data
