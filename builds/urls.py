"""URLs of the build pages, under /builds/ in the `builds` namespace."""

from django.urls import path

from builds import action_views, cascade_views, download_views, image_actions, image_views, views

app_name = "builds"

urlpatterns = [
    path("", views.build_list, name="build_list"),
    path("templates/<slug:slug>/", views.template_builds, name="template_builds"),
    path("templates/<slug:slug>/images/", image_views.template_images, name="template_images"),
    path("templates/<slug:slug>/channels/", image_actions.channel_assign, name="channel_assign"),
    path("templates/<slug:slug>/channels/<str:name>/rollback/", image_actions.channel_rollback,
         name="channel_rollback"),
    path("templates/<slug:slug>/channels/<str:name>/follow/", image_actions.channel_follow, name="channel_follow"),
    path("images/<int:pk>/", image_views.image_detail, name="image_detail"),
    path("images/<int:pk>/revoke/", image_actions.image_revoke, name="image_revoke"),
    path("images/<int:pk>/restore/", image_actions.image_restore, name="image_restore"),
    path("images/<int:pk>/cascade/", cascade_views.cascade_plan_view, name="cascade_plan"),
    path("images/<int:pk>/cascade/start/", cascade_views.cascade_start, name="cascade_start"),
    path("cascades/", cascade_views.cascade_list, name="cascade_list"),
    path("cascades/<int:pk>/", cascade_views.cascade_detail, name="cascade_detail"),
    path("cascades/<int:pk>/cancel/", cascade_views.cascade_cancel, name="cascade_cancel"),
    path("start/<slug:slug>/<int:number>/", action_views.build_start, name="build_start"),
    path("<int:pk>/", views.build_detail, name="build_detail"),
    path("<int:pk>/cancel/", action_views.build_cancel, name="build_cancel"),
    path("<int:pk>/rebuild/", action_views.build_rebuild, name="build_rebuild"),
    path("<int:pk>/continue/", action_views.build_continue, name="build_continue"),
    path("<int:pk>/log.txt", download_views.build_log, name="build_log"),
    path("<int:pk>/build.json", download_views.build_export, name="build_export"),
    path("<int:pk>/artifacts/<int:artifact_pk>/files/<int:index>/", download_views.artifact_file,
         name="artifact_file"),
]
