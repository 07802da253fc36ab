"""Personal API tokens: what `imagehub build` (and later any client) sends as `Authorization: Bearer <token>`.

A token acts for its user, narrowed by its scope: its effective permissions
are those of its owner that the scope's role also grants (a superuser's
token scoped viewer only reads; a viewer's token scoped admin still only
reads). `user_for_token` returns the user with that narrowing applied to
`has_perm`, so every check (views, services) sees it. Only a SHA-256 digest
is stored; `issue_token` returns the text once. Tokens start with `ihp_` so
that they are easy to recognise in a leaked file.

- `held_scopes(user)`: the scopes whose role's permissions the user has
  (the ones a token of theirs may be given); `check_scope(user, scope)`
  raises ScopeRefused with a message when `scope` is not one of them.
- `scope_permissions(scope)`: the permissions the scope's role grants.
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
    """A personal API token (its digest), named so that its owner can tell tokens apart and revoke one.

    `scope` is the most the token may do, as a role: a token scoped to
    viewer only reads, whatever its owner's roles; it never grants more than
    its owner has.
    """

    class Scope(models.TextChoices):
        VIEWER = "viewer", "viewer"
        BUILDER = "builder", "builder"
        EDITOR = "editor", "editor"
        ADMIN = "admin", "admin"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.VIEWER)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "name"]

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"


SCOPES = tuple(ApiToken.Scope.values)  # from the least to the most a token may do


class ScopeRefused(ValueError):
    """A token scope the user may not have; the message says which scopes they may choose."""


def _role_permissions(scopes) -> dict[str, set[str]]:
    from django.contrib.auth.models import Permission

    granted: dict[str, set[str]] = {scope: set() for scope in scopes}
    rows = Permission.objects.filter(group__name__in=list(scopes)).values_list(
        "group__name", "content_type__app_label", "codename")
    for scope, app_label, codename in rows:
        granted[scope].add(f"{app_label}.{codename}")
    return granted


def scope_permissions(scope: str) -> frozenset[str]:
    """The permissions ("app_label.codename") the role named `scope` grants."""
    return frozenset(_role_permissions([scope])[scope])


def held_scopes(user) -> list[str]:
    """The scopes a token of `user` may have: those whose role's permissions the user has, least first."""
    if not user.is_active:
        return []
    if user.is_superuser:
        return list(SCOPES)
    own = user.get_all_permissions()
    return [scope for scope, granted in _role_permissions(SCOPES).items() if granted <= own]


def check_scope(user, scope: str) -> None:
    """Accept `scope` for a token of `user`; raise ScopeRefused saying which scopes they may choose."""
    if scope not in SCOPES:
        raise ScopeRefused(f'"{scope}" is not a token scope: choose one of {", ".join(SCOPES)}.')
    held = held_scopes(user)
    if scope not in held:
        choices = f"choose {', '.join(held)}" if held else "it has no role yet, so ask an administrator for one"
        raise ScopeRefused(f"{user.get_username()} does not hold the {scope} role, so a token of theirs may not "
                           f"be scoped {scope}; {choices}.")


def issue_token(user, name: str, scope: str = ApiToken.Scope.VIEWER) -> str:
    """Create a token for `user` called `name` with `scope`; return its text (shown once: only its digest is kept).

    Raises ScopeRefused for an unknown scope. A scope above the user's roles
    grants nothing more (see the module's docstring); callers that take the
    scope from a person refuse it first with `check_scope`.
    """
    if scope not in SCOPES:
        raise ScopeRefused(f'"{scope}" is not a token scope: choose one of {", ".join(SCOPES)}.')
    text = PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, scope=scope, digest=_digest(text))
    return text


def narrow(user, scope: str):
    """Return `user` with its permission checks limited to what the role `scope` grants; `token_scope` names the
    scope and `unscoped_has_perm` checks the owner's own permissions."""
    granted = scope_permissions(scope)
    unscoped_has_perm, unscoped_all = user.has_perm, user.get_all_permissions
    unscoped_ahas_perm, unscoped_aall = user.ahas_perm, user.aget_all_permissions

    def has_perm(perm: str, obj=None) -> bool:
        return perm in granted and unscoped_has_perm(perm, obj)

    def get_all_permissions(obj=None) -> set[str]:
        return {perm for perm in unscoped_all(obj) if perm in granted}

    async def ahas_perm(perm: str, obj=None) -> bool:
        return perm in granted and await unscoped_ahas_perm(perm, obj)

    async def aget_all_permissions(obj=None) -> set[str]:
        return {perm for perm in await unscoped_aall(obj) if perm in granted}

    user.has_perm, user.ahas_perm = has_perm, ahas_perm
    user.get_all_permissions, user.aget_all_permissions = get_all_permissions, aget_all_permissions
    user.token_scope = scope
    user.unscoped_has_perm = unscoped_has_perm
    return user


def user_for_token(text: str):
    """Return the active user whose token `text` is, narrowed to the token's scope, or None."""
    if not text.startswith(PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(text)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return narrow(token.user, token.scope)


def request_user(request: HttpRequest):
    """The user a request's bearer token names, else the session's signed-in user, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, text = header.partition(" ")
    if scheme.lower() == "bearer" and text.strip():
        return user_for_token(text.strip())
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
