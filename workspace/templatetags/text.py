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
