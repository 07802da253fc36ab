"""The URLconf of requests under /api/ (set by builds.api.middleware): the JSON API at /api/v1/, in the `api`
namespace, and a JSON 404 for any other URL under /api/."""

from django.urls import include, path, re_path

from builds.api import not_found

urlpatterns = [
    path("api/v1/", include("builds.api.urls")),
    re_path(r"^(?P<rest>[\s\S]*)$", not_found.unknown_url),
]
