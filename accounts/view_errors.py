"""How views turn refusals and service errors into responses: one way, for every app."""

from django.core.exceptions import PermissionDenied, ValidationError


def require(allowed: bool) -> None:
    """Answer 403 unless the policy allowed the request."""
    if not allowed:
        raise PermissionDenied


def errors_into_form(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the named field when it has one, else on top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def error_message(error: Exception, *, default: str = "That could not be done.") -> str:
    """A service's refusal (ValidationError or PermissionDenied) as one sentence for a flash message."""
    texts = getattr(error, "messages", None) or [str(error)]
    return " ".join(text for text in texts if text) or default
