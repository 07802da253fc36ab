"""How the JSON API knows who calls: a personal token (`Authorization: Bearer ihp_...`) or the signed-in session.

The bearer token's user comes narrowed to the token's scope (builds.tokens),
so every permission check below and in the services sees the scope. The
session is DRF's, which enforces CSRF on unsafe methods. The schema shows
the token as an HTTP bearer scheme (`BearerTokenScheme`).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from builds import tokens

REALM = "ImageHub API"


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` with a personal API token; no header lets the next class try."""

    def authenticate(self, request):
        scheme, _, text = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        text = text.strip()
        if not text:
            raise AuthenticationFailed("The Authorization header says Bearer but carries no token: send "
                                       "'Authorization: Bearer ihp_...'.")
        user = tokens.user_for_token(text)
        if user is None:
            raise AuthenticationFailed("The bearer token in the Authorization header is not a token ImageHub "
                                       "knows (deleted, mistyped, or its account is inactive); make a new one on "
                                       "the API tokens page of your account.")
        return user, text

    def authenticate_header(self, request) -> str:
        return f'Bearer realm="{REALM}"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The personal API token as an HTTP bearer scheme."""

    target_class = "builds.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "ihp_<random>",
                "description": "A personal API token: `Authorization: Bearer ihp_...`. It acts for its owner "
                               "with the permissions of its scope's role that the owner also has."}
