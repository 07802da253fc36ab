"""The authentication backend: Django's model backend, reading the signed-in user and their permissions with
queries compiled once."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Q

# Stands for the user's primary key while the query is compiled; replaced by the real one in its parameters.
_ANY_USER = -1

_compiled: dict[tuple[str, str], tuple[str, tuple]] = {}


class ModelBackendOneQuery(ModelBackend):
    """Django's ModelBackend, but a user's own and group permissions come in one query, compiled once.

    Every page checks at least one permission (imagehub.roles). ModelBackend
    builds and compiles two ORM queries for that on every request, which
    costs twenty times what SQLite takes to answer them; here the SQL is
    compiled once per database and run with the user's key. The set is kept
    on the user object for the rest of the request, as ModelBackend does.
    The signed-in user, read on every request from the session's key, is
    likewise read with SQL compiled once.
    """

    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        alias = router.db_for_read(model)
        key = (alias, connections[alias].vendor, "user")
        if key not in _compiled:
            _compiled[key] = model._default_manager.filter(pk=_ANY_USER).query.sql_with_params()
        sql, params = _compiled[key]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [pk if param == _ANY_USER else param for param in params])
            row = cursor.fetchone()
        if row is None:
            return None
        user = model.from_db(alias, [field.attname for field in model._meta.concrete_fields], row)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                names = Permission.objects.values_list("content_type__app_label", "codename").order_by()
            else:
                names = _granted_names(user_obj.pk)
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in names}
        return user_obj._perm_cache


def _granted_names(user_pk) -> list[tuple[str, str]]:
    """(app label, codename) of the permissions given to the user directly or through a group."""
    alias = router.db_for_read(Permission)
    key = (alias, connections[alias].vendor)
    if key not in _compiled:
        _compiled[key] = _granted_to(_ANY_USER).query.sql_with_params()
    sql, params = _compiled[key]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [user_pk if param == _ANY_USER else param for param in params])
        return cursor.fetchall()


def _granted_to(user_pk):
    memberships = get_user_model().groups.through.objects.filter(user_id=user_pk).values("group_id")
    through_groups = Group.permissions.through.objects.filter(group_id__in=memberships)
    direct = get_user_model().user_permissions.through.objects.filter(user_id=user_pk)
    granted = Q(pk__in=direct.values("permission_id")) | Q(pk__in=through_groups.values("permission_id"))
    return Permission.objects.filter(granted).values_list("content_type__app_label", "codename").order_by()
