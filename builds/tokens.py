"""Personal API tokens: what `imagehub build` (and later any client) sends as `Authorization: Bearer <token>`.

A token acts for its user with the user's permissions (so a viewer's token
may read channels, a builder's may do what a builder may). Only a SHA-256
digest is stored; `issue_token` returns the text once. Tokens start with
`ihp_` so that they are easy to recognise in a leaked file.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

PREFIX = "ihp_"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A personal API token (its digest), named so that its owner can tell tokens apart and revoke one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "name"]

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"


def issue_token(user, name: str) -> str:
    """Create a token for `user` called `name`; return its text (shown once: only its digest is kept)."""
    text = PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=_digest(text))
    return text


def user_for_token(text: str):
    """Return the active user whose token `text` is, or None."""
    if not text.startswith(PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(text)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def request_user(request: HttpRequest):
    """The user a request's bearer token names, else the session's signed-in user, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, text = header.partition(" ")
    if scheme.lower() == "bearer" and text.strip():
        return user_for_token(text.strip())
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
