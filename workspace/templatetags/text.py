"""Template filters every template gets (a builtin library, see TEMPLATES in settings)."""

import unicodedata

from django import template
from django.template.defaultfilters import stringfilter
from django.template.defaultfilters import truncatechars as django_truncatechars

register = template.Library()


@register.filter(is_safe=True)
@stringfilter
def truncatechars(value: str, arg) -> str:
    """Django's `truncatechars`, with the same output, without walking a text that already fits character by
    character: list pages truncate every row's question and answer, and most of them are shorter than the limit.

    Django returns the text in NFC form; when that form has no more characters than the limit, nothing is cut
    (combining characters count for nothing, so the visible length is never more than the length)."""
    try:
        length = int(arg)
    except ValueError:
        return value
    if length > 0:
        text = unicodedata.normalize("NFC", value)
        if len(text) <= length:
            return text
    return django_truncatechars(value, arg)


_ACRONYMS = {"mfa": "MFA", "nda": "NDA", "pdf": "PDF", "totp": "TOTP", "cli": "CLI", "s3": "S3", "ip": "IP"}


@register.filter
@stringfilter
def action_label(action: str) -> str:
    """An audit action code as words for people ("questionnaires.learning_link_confirmed" -> "Learning link
    confirmed"); the audit trail itself keeps the code."""
    area, _, verb = action.rpartition(".")
    words = [_ACRONYMS.get(word, word) for word in verb.split("_") if word]
    if len(words) == 1 and area:  # "mfa.verified": the verb alone says too little
        words.insert(0, _ACRONYMS.get(area.rpartition(".")[2], area.rpartition(".")[2]))
    if not words:
        return action
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])
