"""Account pages: sign in, sign out and changing one's own password."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from imagehub import initial_password

login = auth_views.LoginView.as_view(
    template_name="imagehub/login.html", redirect_authenticated_user=True
)
logout = auth_views.LogoutView.as_view()


@require_http_methods(["GET", "POST"])
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Return the password form; on a valid POST, change the password and go home.

    The session stays signed in after the change. A session signed in with the password printed at the
    first start is told it must choose its own; after the change it may go anywhere again.
    """
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        initial_password.forget(request.session)
        messages.success(request, "Your password has been changed.")
        return redirect("home")
    context = {"form": form, "initial_password_message": (
        initial_password.MESSAGE if initial_password.must_choose(request.session) else "")}
    return render(request, "imagehub/password_change.html", context)
