"""The API's errors as JSON: `{"detail": "<what is wrong and where>", "errors": {field: [messages]}}`.

`handle` is DRF's exception handler, made to say where a validation error
is in `detail` as well as in `errors`. `invalid(error, field)` turns a
service's Django ValidationError into DRF's, keyed by the request field it
concerns.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler


def invalid(error: DjangoValidationError, field: str = "non_field_errors") -> ValidationError:
    """The API's 400 for a service's ValidationError; messages keyed by name go under `field`."""
    if hasattr(error, "error_dict"):
        messages = {("non_field_errors" if name == "__all__" else name): texts
                    for name, texts in error.message_dict.items()}
        if list(messages) == ["non_field_errors"]:
            return ValidationError({field: messages["non_field_errors"]})
        return ValidationError({field: messages})
    return ValidationError({field: error.messages})


def _flatten(errors, where: str = "") -> list[str]:
    if isinstance(errors, dict):
        found = []
        for name, inner in errors.items():
            place = where if name == "non_field_errors" else (f"{where}.{name}" if where else str(name))
            found.extend(_flatten(inner, place))
        return found
    if isinstance(errors, list):
        found = []
        for index, inner in enumerate(errors):
            nested = isinstance(inner, (dict, list))
            found.extend(_flatten(inner, f"{where}[{index}]" if nested else where))
        return found
    return [f"{where}: {errors}" if where else str(errors)]


def describe(errors) -> str:
    """One sentence listing every message of a DRF error structure with where it is ("variables.count: ...")."""
    return "The request has errors: " + " ".join(_flatten(errors))


def handle(exc, context):
    """DRF's answer for `exc`, with validation errors as `{"detail", "errors"}`; None for unexpected errors."""
    if isinstance(exc, DjangoValidationError):
        exc = invalid(exc)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": describe(errors), "errors": errors}
    return response
