"""The root URL configuration."""

from django.contrib import admin
from django.urls import include, path

from imagehub import accounts, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", accounts.login, name="login"),
    path("logout/", accounts.logout, name="logout"),
    path("account/password/", accounts.password_change, name="password_change"),
    path("templates/", include("imagehub.catalog_urls")),
    path("builds/", include("builds.urls")),
    path("api/v1/", include("builds.api_urls")),
    path("admin/", admin.site.urls),
]
