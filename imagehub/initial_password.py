"""The printed first password is one-time: it signs in only to choose another.

`imagehub serve` creates the first administrator with a generated password
and marks the account (`InitialPassword`). Signing in with a marked account
sets a flag in the session (`on_signed_in`); while the flag is set,
`InitialPasswordMiddleware` sends every request but the password change,
sign-in, sign-out and static files to the password change page. Other
sessions cost nothing: the middleware reads the flag from the session the
request has loaded anyway, never the database.

Changing the password by any means that sets it on the user and saves it
(the change page, the admin site, `imagehub manage changepassword`) removes
the mark through `InitialPasswordValidator.password_changed`, the hook Django
calls after a password is saved; that validator also refuses the printed
password as the new one. The change page drops the session's flag; every
other session of the account was signed out by the change itself.
"""

from django.conf import settings
from django.contrib.auth import hashers
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django_htmx.http import HttpResponseClientRedirect

from builds.api.middleware import API_PREFIX
from imagehub.models import InitialPassword

SESSION_FLAG = "imagehub_initial_password"
MESSAGE = "Choose your own password: the one printed when ImageHub first started works only until you do."
# Views a signed-in user with the printed password may still reach.
ALLOWED_VIEWS = frozenset({"password_change", "login", "logout"})


def mark(user) -> None:
    """Record that `user`'s password is the printed initial one."""
    InitialPassword.objects.create(user=user)


def is_marked(user) -> bool:
    """Return whether `user` still signs in with the printed initial password."""
    return InitialPassword.objects.filter(user=user).exists()


def must_choose(session) -> bool:
    """Return whether the session was signed in with the printed initial password, not yet replaced."""
    return bool(session.get(SESSION_FLAG))


def forget(session) -> None:
    """Drop the session's flag, once its user has chosen a password."""
    session.pop(SESSION_FLAG, None)


def on_signed_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: flag the session when the account signs in with the printed password."""
    if request is not None and hasattr(request, "session") and is_marked(user):
        request.session[SESSION_FLAG] = True


class InitialPasswordMiddleware(MiddlewareMixin):
    """Send a session signed in with the printed password to the password change page.

    A page is redirected there (HX-Redirect for an htmx request); the JSON
    API answers 403 with `{"detail": ...}` saying what to do. A request with
    an API token is the token's, not the session's, and passes.
    """

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        is_api = request.path_info.startswith(API_PREFIX)
        if is_api and "HTTP_AUTHORIZATION" in request.META:
            return None
        if not must_choose(request.session) or request.path_info.startswith(settings.STATIC_URL):
            return None
        if not is_api and request.resolver_match.view_name in ALLOWED_VIEWS:
            return None
        if not request.user.is_authenticated:
            # The password changed elsewhere, which signed this session out.
            return None
        if is_api:
            return JsonResponse({"detail": f"{MESSAGE} Sign in to the dashboard and change it at "
                                           f"{reverse('password_change', urlconf=settings.ROOT_URLCONF)}."},
                                status=403)
        if request.htmx:
            return HttpResponseClientRedirect(reverse("password_change"))
        return redirect("password_change")


class InitialPasswordValidator:
    """Refuses the printed initial password as a new one; removes the mark once the password has changed."""

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None or not user.has_usable_password():
            return
        if is_marked(user) and hashers.check_password(password, user.password):
            raise ValidationError(
                "This is the password printed when ImageHub first started; choose one of your own.",
                code="initial_password_reused",
            )

    def password_changed(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None:
            InitialPassword.objects.filter(user=user).delete()

    def get_help_text(self) -> str:
        return "Your password cannot be the one printed when ImageHub first started."
