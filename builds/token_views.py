"""The API tokens page: a signed-in user lists their personal API tokens, makes one (its text shown once) and
deletes one. A token's scope is one of the roles the user holds (builds.tokens)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from builds.tokens import ApiToken, ScopeRefused, check_scope, held_scopes, issue_token

PAGE = "builds/api_tokens.html"
MAX_NAME = ApiToken._meta.get_field("name").max_length


def _context(user, **extra) -> dict:
    scopes = held_scopes(user)
    return {"tokens": list(user.api_tokens.order_by("name")), "scopes": scopes,
            "form": {"name": "", "scope": scopes[0] if scopes else ""}, "errors": {}, **extra}


def _answer(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    if request.htmx and not request.htmx.boosted:
        return render(request, f"{PAGE}#tokens", context)
    return render(request, PAGE, context, status=status)


@require_GET
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """Return the page listing the user's tokens with the form that makes one."""
    return render(request, PAGE, _context(request.user))


def _name_problem(user, name: str) -> str | None:
    if not name:
        return "Give the token a name that says what it is for, e.g. ci or laptop."
    if len(name) > MAX_NAME:
        return f"A token's name has at most {MAX_NAME} characters; this one has {len(name)}."
    if user.api_tokens.filter(name=name).exists():
        return f'You already have a token called "{name}"; choose another name, or delete that one first.'
    return None


@require_POST
@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    """Make a token with the posted name and scope and show its text once; or show what is wrong with them."""
    name, scope = request.POST.get("name", "").strip(), request.POST.get("scope", "")
    errors = {}
    problem = _name_problem(request.user, name)
    if problem:
        errors["name"] = problem
    try:
        check_scope(request.user, scope)
    except ScopeRefused as error:
        errors["scope"] = str(error)
    if errors:
        return _answer(request, _context(request.user, form={"name": name, "scope": scope}, errors=errors), 400)
    text = issue_token(request.user, name, scope)
    return _answer(request, _context(request.user, created={"name": name, "scope": scope, "text": text}))


@require_POST
@login_required
def token_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's tokens; raises Http404 for a token that is not theirs."""
    deleted, _ = ApiToken.objects.filter(pk=pk, user=request.user).delete()
    if not deleted:
        raise Http404("You have no such token.")
    if request.htmx and not request.htmx.boosted:
        return _answer(request, _context(request.user, deleted=True))
    messages.success(request, "The token is deleted; programs that used it can no longer sign in with it.")
    return redirect("api_tokens")
