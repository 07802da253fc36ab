"""The authentication backend: Django's model backend, reading the signed-in user together with their
permissions, in one query compiled once."""

import json

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat

# Stands for the user's primary key while the query is compiled; replaced by the real one in its parameters.
_ANY_USER = -1

_compiled: dict[tuple, tuple[str, tuple]] = {}

# How each database gathers the names of the user's permissions ("app_label.codename") into one value of the
# user's row: an array for PostgreSQL, a JSON list (text) for SQLite. Other databases read them apart.
_GATHER = {
    "postgresql": "ARRAY_AGG",
    "sqlite": "JSON_GROUP_ARRAY",
}


class ModelBackendOneQuery(ModelBackend):
    """Django's ModelBackend, but the signed-in user and their permissions come in one query, compiled once.

    Every page reads the signed-in user (from the session's key) and checks
    at least one of their permissions (imagehub.roles). ModelBackend builds
    and compiles an ORM query for the user and two for the permissions on
    every request, which costs twenty times what SQLite takes to answer
    them, and a database server answers each in a round trip of its own.
    Here the user's row and the names of their permissions, their own and
    their groups', are read by one statement compiled once per database; the
    set is kept on the user object for the rest of the request, as
    ModelBackend keeps it. A superuser has every permission: theirs are read
    when first asked for, as are those of a user found otherwise (signing
    in, the admin site).
    """

    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        alias = router.db_for_read(model)
        vendor = connections[alias].vendor
        gathered = vendor in _GATHER and router.db_for_read(Permission) == alias
        key = (alias, vendor, "user and permissions" if gathered else "user")
        if key not in _compiled:
            _compiled[key] = _user_and_permissions_sql(vendor) if gathered else _user_sql()
        sql, params = _compiled[key]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [pk if param == _ANY_USER else param for param in params])
            row = cursor.fetchone()
        if row is None:
            return None
        fields = [field.attname for field in model._meta.concrete_fields]
        user = model.from_db(alias, fields, row[:len(fields)])
        if not self.user_can_authenticate(user):
            return None
        if gathered and not user.is_superuser:
            names = row[len(fields)]
            user._perm_cache = set(json.loads(names) if isinstance(names, str) else names or ())
        return user

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


def _user_sql() -> tuple[str, tuple]:
    return get_user_model()._default_manager.filter(pk=_ANY_USER).query.sql_with_params()


def _user_and_permissions_sql(vendor: str) -> tuple[str, tuple]:
    """The user's row (its concrete fields in order), then the names of their permissions gathered in one value.

    PostgreSQL's ARRAY_AGG gives NULL, SQLite's JSON_GROUP_ARRAY "[]", when
    the user has none.
    """
    user_sql, user_params = _user_sql()
    names = _granted_to(_ANY_USER).values(
        permission_name=Concat("content_type__app_label", Value("."), "codename", output_field=CharField()))
    granted_sql, granted_params = names.query.sql_with_params()
    sql = (f"SELECT u.*, (SELECT {_GATHER[vendor]}(g.permission_name) FROM ({granted_sql}) g)"
           f" FROM ({user_sql}) u")
    return sql, (*granted_params, *user_params)


def _granted_names(user_pk) -> list[tuple[str, str]]:
    """(app label, codename) of the permissions given to the user directly or through a group."""
    alias = router.db_for_read(Permission)
    key = (alias, connections[alias].vendor)
    if key not in _compiled:
        granted = _granted_to(_ANY_USER).values_list("content_type__app_label", "codename")
        _compiled[key] = granted.query.sql_with_params()
    sql, params = _compiled[key]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [user_pk if param == _ANY_USER else param for param in params])
        return cursor.fetchall()


def _granted_to(user_pk):
    memberships = get_user_model().groups.through.objects.filter(user_id=user_pk).values("group_id")
    through_groups = Group.permissions.through.objects.filter(group_id__in=memberships)
    direct = get_user_model().user_permissions.through.objects.filter(user_id=user_pk)
    granted = Q(pk__in=direct.values("permission_id")) | Q(pk__in=through_groups.values("permission_id"))
    return Permission.objects.filter(granted).order_by()
