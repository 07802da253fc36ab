"""URLs of the webhooks pages, under /webhooks/ in the `webhooks` namespace."""

from django.urls import path

from imagehub.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_list, name="webhook_list"),
    path("new/", views.webhook_create, name="webhook_create"),
    path("<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("<int:pk>/edit/", views.webhook_edit, name="webhook_edit"),
    path("<int:pk>/toggle/", views.webhook_toggle, name="webhook_toggle"),
    path("<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path("<int:pk>/ping/", views.webhook_ping, name="webhook_ping"),
    path("<int:pk>/secret/", views.webhook_secret, name="webhook_secret"),
    path("deliveries/<uuid:delivery_id>/", views.delivery_detail, name="delivery_detail"),
    path("deliveries/<uuid:delivery_id>/redeliver/", views.delivery_redeliver, name="delivery_redeliver"),
]
