"""What the OpenAPI schema says of the API's error answers (a `detail` and, for a 400, `errors`)."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    400: "The request has errors: `detail` lists them with where each is, `errors` keys them by field.",
    401: "No credentials, or a token ImageHub does not know.",
    403: "The account or the token's scope may not do this; `detail` names the role to ask for.",
    404: "No such object (`detail` says which was not found).",
    409: "The request conflicts with the object's state (`detail` says how).",
}


class ErrorSerializer(serializers.Serializer):
    """An error answer."""

    detail = serializers.CharField(help_text="What is wrong and where, for a person to read.")
    errors = serializers.DictField(required=False, help_text="Validation messages keyed by request field.")


def answers(ok: dict, *codes: int) -> dict:
    """The responses of an operation: `ok` (status to serializer or OpenApiResponse) and the error `codes`,
    401 and 403 always among them."""
    described = {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
                 for code in sorted({401, 403, *codes})}
    return {**ok, **described}


# No text ImageHub reads from a URL may hold the NUL character (imagehub.nul_parameters answers 400).
WITHOUT_NUL = "^[^\\x00]*$"


def parameters_without_nul(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every free-text path and query parameter says it holds no NUL."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") in ("path", "query") and schema.get("type") == "string" and not (
                        {"pattern", "enum", "format"} & schema.keys()):
                    schema["pattern"] = WITHOUT_NUL
    return result
