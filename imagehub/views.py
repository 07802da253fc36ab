"""The dashboard's pages."""

from functools import cache
from importlib.metadata import version

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Return the home page: what ImageHub is and which version is running."""
    return render(request, "imagehub/home.html", {"version": installed_version()})


@cache
def installed_version() -> str:
    """The installed ImageHub's version, read from its metadata once (a quarter of a millisecond each time)."""
    return version("imagehub")
