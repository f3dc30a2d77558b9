"""Input shapes for package pages."""

from django import forms

from accounts.ids import IdMultipleChoiceField
from fileformats.uploads import SIGNED_PDF


class PackageForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Customer", queryset=None)
    title = forms.CharField(
        label="Title", max_length=200, initial="Security answers", help_text="Printed on the cover page."
    )
    cover_note = forms.CharField(
        label="Cover note",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A short letter to the customer's security team, printed on the cover.",
    )
    questionnaire = forms.ModelChoiceField(
        label="Answers of a questionnaire",
        queryset=None,
        required=False,
        empty_label="— None: use library entries —",
        help_text="Every response must be approved before the package can be released.",
    )
    entries = IdMultipleChoiceField(
        label="Or standard answers from the library",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 14}),
        help_text="Approved, current public entries. Internal entries never go to customers, and NDA-class entries "
        "are not offered here.",
    )

    def __init__(self, *args, organisations, questionnaires, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["questionnaire"].queryset = questionnaires
        self.fields["entries"].queryset = entries.order_by("key")
        self.fields["entries"].label_from_instance = lambda entry: (
            f"{entry.key} — {entry.approved_version.question[:90]}"
        )

    def clean(self):
        data = super().clean()
        if bool(data.get("questionnaire")) == bool(data.get("entries")):
            raise forms.ValidationError("Choose a questionnaire or some library entries (one of the two).")
        return data


class VerifyForm(forms.Form):
    file = forms.FileField(
        label="Package PDF", help_text=f"The signed PDF you received, at most {SIGNED_PDF.max_mb} MB."
    )
