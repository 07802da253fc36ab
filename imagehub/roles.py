"""Roles (viewer, builder, editor, admin) as groups, the permissions views check, and the view guard.

A role is a group carrying Django permissions (the migration `0002_roles`
creates them). Views check permissions, never group names, so an
administrator can tailor a role in the admin site. Superusers may do
everything. Members of the admin group get staff status, so the admin site
opens for them.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect


class Role(StrEnum):
    VIEWER = "viewer"
    BUILDER = "builder"
    EDITOR = "editor"
    ADMIN = "admin"


VIEW_TEMPLATES = "imagehub.view_packertemplate"
EDIT_TEMPLATES = "imagehub.change_packertemplate"
VIEW_BUILDS = "builds.view_build"
START_BUILDS = "builds.add_build"  # start and rebuild
CONTROL_BUILDS = "builds.change_build"  # cancel, continue at a breakpoint
MOVE_CHANNELS = "builds.change_channel"  # assign, move and roll back channels
REVOKE_IMAGES = "builds.revoke_imagenode"  # revoke and restore images
ADMINISTER = "auth.change_user"

# For messages: which role to ask for to get a permission.
GRANTED_BY = {
    VIEW_TEMPLATES: Role.VIEWER,
    EDIT_TEMPLATES: Role.EDITOR,
    VIEW_BUILDS: Role.VIEWER,
    START_BUILDS: Role.BUILDER,
    CONTROL_BUILDS: Role.BUILDER,
    MOVE_CHANNELS: Role.BUILDER,
    REVOKE_IMAGES: Role.BUILDER,
    ADMINISTER: Role.ADMIN,
}

FORBIDDEN_TEMPLATE = "imagehub/catalog/forbidden.html"


def permission_required(permission: str, action: str) -> Callable:
    """Guard a view: anonymous visitors go to sign in, users without `permission` get a 403 page.

    `action` completes the 403 page's sentence "Your account may not ...".
    An htmx request from a signed-out browser is answered with a client
    redirect, so the sign-in page replaces the whole page, not a fragment.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                if getattr(request, "htmx", False):
                    page = request.htmx.current_url_abs_path or request.get_full_path()
                    return HttpResponseClientRedirect(redirect_to_login(page)["Location"])
                return redirect_to_login(request.get_full_path())
            if not user.has_perm(permission):
                context = {"action": action, "role": GRANTED_BY.get(permission, "")}
                return render(request, FORBIDDEN_TEMPLATE, context, status=403)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


def assign_role(user, role: Role) -> None:
    """Add `user` to the group of `role` (staff status follows for the admin role)."""
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=role))


def sync_staff_status(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """Keep staff status equal to membership of the admin group (superusers stay staff)."""
    from django.contrib.auth.models import Group

    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            _sync_users([instance.pk])
            instance.is_staff = get_user_model().objects.values_list("is_staff", flat=True).get(
                pk=instance.pk
            )
        return
    if not isinstance(instance, Group) or instance.name != Role.ADMIN:
        return
    if action == "pre_clear":
        instance._members_before_clear = list(instance.user_set.values_list("pk", flat=True))
    elif action == "post_clear":
        _sync_users(getattr(instance, "_members_before_clear", []))
    elif action in ("post_add", "post_remove"):
        _sync_users(pk_set or [])


def _sync_users(pks) -> None:
    users = get_user_model().objects.filter(pk__in=pks, is_superuser=False)
    admins = users.filter(groups__name=Role.ADMIN)
    admins.filter(is_staff=False).update(is_staff=True)
    users.exclude(pk__in=admins.values("pk")).filter(is_staff=True).update(is_staff=False)
