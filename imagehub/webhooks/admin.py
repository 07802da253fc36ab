"""The admin site's pages for webhooks: read their deliveries; the dashboard's webhook pages change them."""

from django.contrib import admin

from imagehub.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    """Webhooks are made and changed on the dashboard's webhook pages, which keep their secrets encrypted."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "url", "active", "created_by", "created_at"]
    list_select_related = ["created_by"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    exclude = ["secret_encrypted"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "started_at", "duration_ms", "response_status", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["delivery_id", "webhook", "event", "status", "attempts", "response_status", "created_at"]
    list_select_related = ["webhook"]
    list_filter = ["status", "event"]
    search_fields = ["delivery_id", "webhook__name", "event"]
    inlines = [WebhookAttemptInline]
