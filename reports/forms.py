"""Input shapes for package pages."""

from django import forms

from accounts.ids import IdMultipleChoiceField
from fileformats.uploads import LEAKED_COPY, SIGNED_PDF


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


class ShareForm(forms.Form):
    expires_on = forms.DateField(
        label="Available until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The share ends at the end of this day (UTC). At most a year from today; you can revoke it sooner.",
    )
    note = forms.CharField(
        label="Note to the customer",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Shown with the share in the customer's portal and in the e-mail they receive.",
    )
    documents = IdMultipleChoiceField(
        label="Evidence documents to include",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only documents with a current, unexpired version that are not internal are offered. NDA-class "
        "documents stay locked for each customer user until they accept the current NDA.",
    )

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = documents
        self.fields["documents"].label_from_instance = lambda document: (
            f"{document.title} ({document.get_classification_display()})"
        )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=500,
        help_text="Recorded in the audit trail, for example “suspected leak of the SOC 2 report”.",
    )


class LeakLookupForm(forms.Form):
    query = forms.CharField(
        label="Fingerprint ID or SHA-256",
        required=False,
        max_length=100,
        help_text="The 16-character fingerprint printed on each watermarked page, or a file's 64-character SHA-256.",
    )
    file = forms.FileField(
        label="Or upload the leaked copy",
        required=False,
        help_text=f"A PDF or image of at most {LEAKED_COPY.max_mb} MB: its fingerprint is read, else it is hashed.",
    )

    def clean_query(self):
        value = "".join(self.cleaned_data["query"].split())
        if value and not (
            (len(value) == 16 and all(c in "0123456789abcdefABCDEF" for c in value))
            or (len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value))
        ):
            raise forms.ValidationError("Enter a 16-character fingerprint or a 64-character SHA-256 (hex digits).")
        return value

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("query") and not data.get("file"):
            raise forms.ValidationError("Paste a fingerprint or a SHA-256, or upload the leaked file.")
        return data
