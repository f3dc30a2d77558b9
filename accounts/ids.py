"""Database ids from request input: anything that is not one is no id at all, never a server error."""

from django import forms

_MAX_ID = 2**63 - 1  # the largest BigAutoField value on every database Trustpack runs on


def id_from(value: str | None) -> int | None:
    """`value` as a row id (ASCII digits, 1 to 2**63-1), or None for anything else."""
    if not value or len(value) > 19 or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= _MAX_ID else None


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows that refuses a value that is no id before it reaches the database
    (Django's own field sends `pk__in=[10**30]` to SQLite, which overflows)."""

    def clean(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if id_from(str(pk)) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)
