"""Input shapes for the questionnaire pages."""

import re

from django import forms

from fileformats.uploads import QUESTIONNAIRE

from .formats import ColumnMapping


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


COLUMN_LETTERS = re.compile(r"^[A-Z]{1,3}$")


class TabMappingForm(forms.Form):
    """Which columns of one tab hold what; a tab left unticked is not read."""

    sheet = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    include = forms.BooleanField(label="Read questions from this tab", required=False)
    header_row = forms.IntegerField(
        label="Header row",
        min_value=0,
        max_value=1_048_576,
        required=False,
        help_text="The row with the column titles; 0 when the questions start on row 1 with no titles.",
    )
    id_column = forms.CharField(label="ID column", max_length=3, required=False, help_text="Letter, e.g. A. Optional.")
    question_column = forms.CharField(label="Question column", max_length=3, required=False, help_text="e.g. B.")
    answer_column = forms.CharField(
        label="Answer column", max_length=3, required=False, help_text="The column we fill in, e.g. C."
    )
    comment_column = forms.CharField(label="Comment column", max_length=3, required=False, help_text="Optional.")
    mark_columns = forms.CharField(
        label="Yes / No / N/A columns",
        max_length=20,
        required=False,
        help_text="Only where answers are an x under Yes, No and N/A: those three columns, e.g. F, G, H.",
    )

    def __init__(self, *args, sheets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.sheets = sheets

    def clean(self):
        data = super().clean()
        if data.get("sheet", "") not in self.sheets:
            raise forms.ValidationError("This tab is not in the file.")
        for name in ("id_column", "question_column", "answer_column", "comment_column"):
            value = (data.get(name) or "").strip().upper()
            if value and not COLUMN_LETTERS.match(value):
                self.add_error(name, "Use the column letter, e.g. C.")
            data[name] = value or None
        marks = [part.strip().upper() for part in re.split(r"[,;\s]+", data.get("mark_columns") or "") if part.strip()]
        if marks and (len(marks) != 3 or not all(COLUMN_LETTERS.match(mark) for mark in marks)):
            self.add_error("mark_columns", "Give three column letters, Yes then No then N/A, e.g. F, G, H.")
        data["mark_columns"] = marks
        if data.get("include"):
            if data.get("header_row") is None:
                self.add_error("header_row", "Give the header row (0 when there is none).")
            if not data.get("question_column"):
                self.add_error("question_column", "Give the column that holds the questions.")
            if not data.get("answer_column") and not marks:
                self.add_error("answer_column", "Give the column we write answers into.")
        return data

    def mapping(self) -> ColumnMapping | None:
        """The tab's mapping, or None when the tab is not read."""
        data = self.cleaned_data
        if not data.get("include"):
            return None
        marks = data["mark_columns"]
        return ColumnMapping(
            sheet=data["sheet"],
            header_row=data["header_row"],
            id_column=data["id_column"],
            question_column=data["question_column"],
            answer_column=marks[0] if marks else data["answer_column"],
            comment_column=data["comment_column"],
            mark_columns=marks,
        )


class BaseTabMappingFormSet(forms.BaseFormSet):
    def __init__(self, *args, sheets: list[str], **kwargs):
        self.sheets = sheets
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "sheets": self.sheets}

    def clean(self):
        if any(self.errors):
            return
        if not any(form.cleaned_data.get("include") for form in self.forms):
            raise forms.ValidationError("Tick at least one tab that holds questions.")

    def mappings(self) -> list[ColumnMapping]:
        return [mapping for form in self.forms if (mapping := form.mapping()) is not None]


TabMappingFormSet = forms.formset_factory(
    TabMappingForm, formset=BaseTabMappingFormSet, extra=0, max_num=200, absolute_max=200, validate_max=True
)


def mapping_initial(sheets: list[str], mappings: list[ColumnMapping]) -> list[dict]:
    """One initial row per tab: the tab's mapping where there is one, else an unticked row."""
    by_sheet = {mapping.sheet: mapping for mapping in mappings}
    rows = []
    for sheet in sheets:
        mapping = by_sheet.get(sheet)
        if mapping is None:
            rows.append({"sheet": sheet, "include": False})
            continue
        rows.append(
            {
                "sheet": sheet,
                "include": True,
                "header_row": mapping.header_row,
                "id_column": mapping.id_column or "",
                "question_column": mapping.question_column,
                "answer_column": mapping.answer_column,
                "comment_column": mapping.comment_column or "",
                "mark_columns": ", ".join(mapping.mark_columns),
            }
        )
    return rows


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(QUESTIONNAIRE.extensions)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = list(data) if isinstance(data, list | tuple) else [data]
        cleaned, problems = [], []
        for item in items:
            try:
                cleaned.append(super().clean(item, initial))
            except forms.ValidationError as error:
                name = getattr(item, "name", "")
                problems += [f"{name}: {message}" if name else message for message in error.messages]
        if problems:
            raise forms.ValidationError(problems)
        return cleaned


class LearningUploadForm(forms.Form):
    files = MultipleFileField(
        label="Answered questionnaires",
        help_text=f"One or more questionnaires your company already answered, in any layout Trustpack imports "
        f"(.xlsx, .docx, .csv or VSAQ .json; at most {QUESTIONNAIRE.max_mb} MB each). Nothing is learned until you "
        "confirm it.",
    )


class ConfirmAboveForm(forms.Form):
    percent = forms.IntegerField(label="Confirm links at least this confident (%)", min_value=0, max_value=100)
    answer_only = forms.BooleanField(
        required=False,
        initial=True,
        label="Only links the answer's wording points to",
        help_text="A link found by the question alone is auto-fill's own guess: confirm those one by one.",
    )
    file = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)
