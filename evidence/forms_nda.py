"""Input shapes for the NDA pages."""

from django import forms


class NdaPublishForm(forms.Form):
    title = forms.CharField(
        label="Title", max_length=200, initial="Mutual non-disclosure agreement", help_text="Shown above the text."
    )
    body = forms.CharField(
        label="Text",
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="Plain text; blank lines separate paragraphs. Publishing asks every customer user to accept "
        "again, and NDA-only answers stop going to an organisation until one of its users has.",
    )


class NdaAcceptForm(forms.Form):
    # The hash of the text the reader was shown: the service refuses when the text in force differs.
    nda_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    full_name = forms.CharField(label="Your full name", max_length=200, help_text="Typed as your signature.")
    title = forms.CharField(label="Your job title", max_length=200, help_text="For example: Security manager.")
    accept = forms.BooleanField(
        label="I have read this agreement and accept it for myself and, as authorised, for my organisation.",
        required=True,
        error_messages={"required": "Tick the box to accept the agreement."},
    )
