"""Input shapes for the questionnaire pages."""

from django import forms

from fileformats.uploads import QUESTIONNAIRE


class QuestionnaireUploadForm(forms.Form):
    file = forms.FileField(
        label="Questionnaire file",
        help_text=f"The customer's own file: .xlsx (CAIQ, HECVAT, SIG or any spreadsheet), .docx (questions in "
        f"tables or numbered paragraphs), .csv, or VSAQ .json; at most {QUESTIONNAIRE.max_mb} MB. Files with macros "
        "or links to other files are refused.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(QUESTIONNAIRE.extensions)}),
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
