"""URLs of the JSON API, under /api/v1/ in the `api` namespace (the image registry's endpoints so far)."""

from django.urls import path

from builds import registry_api

app_name = "api"

urlpatterns = [
    path("templates/<str:template>/channels/<str:name>/image", registry_api.channel_image, name="channel_image"),
    path("images/check", registry_api.image_check, name="image_check"),
]
