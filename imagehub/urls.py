"""The root URL configuration."""

from django.contrib import admin
from django.urls import include, path

from builds import token_views
from imagehub import accounts, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", accounts.login, name="login"),
    path("logout/", accounts.logout, name="logout"),
    path("account/password/", accounts.password_change, name="password_change"),
    path("account/tokens/", token_views.token_list, name="api_tokens"),
    path("account/tokens/new/", token_views.token_create, name="api_token_create"),
    path("account/tokens/<int:pk>/delete/", token_views.token_delete, name="api_token_delete"),
    path("templates/", include("imagehub.catalog_urls")),
    path("builds/", include("builds.urls")),
    path("webhooks/", include("imagehub.webhooks.urls")),
    path("admin/", admin.site.urls),
]

# A form too large to read is answered with the catalog's limits, not Django's bare "Bad Request".
handler400 = "imagehub.request_limits.bad_request"
