"""The API's permission check: each view names the permission each HTTP method needs (imagehub.roles).

A caller without credentials gets 401; one whose account (or token scope)
lacks the permission gets 403 with a message naming what they may not do
and the role (or token scope) to ask for.
"""

from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission

from imagehub.roles import (
    CONTROL_BUILDS,
    EDIT_TEMPLATES,
    GRANTED_BY,
    MOVE_CHANNELS,
    REVOKE_IMAGES,
    START_BUILDS,
    VIEW_BUILDS,
    VIEW_TEMPLATES,
)

ACTIONS = {
    VIEW_TEMPLATES: "read templates",
    EDIT_TEMPLATES: "create template versions",
    VIEW_BUILDS: "read builds, artifacts, images and channels",
    START_BUILDS: "start builds",
    CONTROL_BUILDS: "cancel builds",
    MOVE_CHANNELS: "move channels",
    REVOKE_IMAGES: "revoke images",
}

NOT_AUTHENTICATED = ("Send a personal API token ('Authorization: Bearer ihp_...'; make one on the API tokens "
                     "page of your account or with 'imagehub manage api_token USER NAME'), or sign in.")


def refusal(user, permission: str) -> str:
    """The 403 message for `user` lacking `permission`: what they may not do and what to ask for."""
    action = ACTIONS.get(permission, f"use {permission}")
    role = GRANTED_BY.get(permission, "admin")
    scope = getattr(user, "token_scope", None)
    if scope is not None and user.unscoped_has_perm(permission):
        return f"This token is scoped {scope}, which may not {action}; use a token scoped {role}."
    return f"Your account may not {action}; ask an administrator for the {role} role."


class RolePermission(BasePermission):
    """Grants a request when its user has the view's `required[<method>]` permission (HEAD and OPTIONS as GET)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            raise NotAuthenticated(NOT_AUTHENTICATED)
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        permission = view.required.get(method)
        if permission is None:
            return True  # the method is not allowed; the view answers 405
        if not user.has_perm(permission):
            self.message = refusal(user, permission)
            return False
        return True
