"""URLs of the JSON API, under /api/v1/ in the `api` namespace (see builds.api.root_urls), and its OpenAPI schema."""

from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView

from builds import registry_api
from builds.api import build_views, channel_views, image_views, not_found, params, template_views
from builds.api.middleware import API_URLCONF

app_name = "api"

register_converter(params.IdConverter, "id")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(urlconf=API_URLCONF), name="schema"),
    path("templates/", template_views.TemplateList.as_view(), name="template_list"),
    path("templates/<slug:slug>/", template_views.TemplateDetail.as_view(), name="template_detail"),
    path("templates/<slug:slug>/versions/", template_views.VersionList.as_view(), name="version_list"),
    path("templates/<slug:slug>/versions/<id:number>/", template_views.VersionDetail.as_view(),
         name="version_detail"),
    path("templates/<slug:slug>/channels/", channel_views.ChannelList.as_view(), name="channel_list"),
    path("templates/<slug:slug>/channels/<str:name>/", channel_views.ChannelDetail.as_view(),
         name="channel_detail"),
    path("templates/<slug:slug>/channels/<str:name>/assign/", channel_views.ChannelAssign.as_view(),
         name="channel_assign"),
    path("templates/<str:template>/channels/<str:name>/image", registry_api.channel_image, name="channel_image"),
    path("builds/", build_views.BuildList.as_view(), name="build_list"),
    path("builds/<id:pk>/", build_views.BuildDetail.as_view(), name="build_detail"),
    path("builds/<id:pk>/cancel/", build_views.BuildCancel.as_view(), name="build_cancel"),
    path("builds/<id:pk>/log/", build_views.BuildLog.as_view(), name="build_log"),
    path("builds/<id:pk>/artifacts/", build_views.BuildArtifacts.as_view(), name="build_artifacts"),
    path("artifacts/<id:pk>/", build_views.ArtifactDetail.as_view(), name="artifact_detail"),
    path("images/check", registry_api.image_check, name="image_check"),
    path("images/<id:pk>/", image_views.ImageDetail.as_view(), name="image_detail"),
    path("images/<id:pk>/ancestors/", image_views.ImageAncestors.as_view(), name="image_ancestors"),
    path("images/<id:pk>/descendants/", image_views.ImageDescendants.as_view(), name="image_descendants"),
    re_path(r"^(?P<rest>[\s\S]*)$", not_found.unknown_url, name="unknown_url"),
]
