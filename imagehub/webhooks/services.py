"""Webhook services, the only way the views change webhooks: create, edit, enable or disable, new secret, ping,
redeliver. The views check the administrator permission before calling them."""

from django.db import transaction
from django.utils import timezone

from imagehub.webhooks import delivery, signing
from imagehub.webhooks.events import dashboard_url
from imagehub.webhooks.models import PING, Webhook, WebhookDelivery


def create_webhook(*, name: str, url: str, events: list[str], active: bool, user) -> Webhook:
    """Create a webhook with a new signing secret; return it (its `secret` property reads the secret)."""
    webhook = Webhook(name=name.strip(), url=url.strip(), events=events, active=active, created_by=user)
    webhook.secret = signing.new_secret()
    webhook.full_clean()
    webhook.save()
    return webhook


def update_webhook(webhook: Webhook, *, name: str, url: str, events: list[str], active: bool) -> Webhook:
    """Change a webhook's name, URL, events and active flag; raises ValidationError for values to fix."""
    webhook.name, webhook.url, webhook.events, webhook.active = name.strip(), url.strip(), events, active
    webhook.full_clean()
    webhook.save(update_fields=["name", "url", "events", "active"])
    return webhook


def set_active(webhook: Webhook, active: bool) -> Webhook:
    """Enable or disable a webhook (a disabled one receives nothing, retries included)."""
    Webhook.objects.filter(pk=webhook.pk).update(active=active)
    webhook.active = active
    return webhook


def new_secret(webhook: Webhook) -> str:
    """Give the webhook a new signing secret and return it; deliveries from now on are signed with it."""
    secret = signing.new_secret()
    webhook.secret = secret
    webhook.save(update_fields=["secret_encrypted"])
    return secret


def send_ping(webhook: Webhook, user) -> WebhookDelivery:
    """Send a `ping` event to the webhook (active or not) to check that it receives and verifies; return the
    delivery."""
    data = {"ping": {"webhook": {"id": webhook.pk, "name": webhook.name, "events": webhook.events,
                                 "url": dashboard_url("webhooks:webhook_detail", webhook.pk)},
                     "sent_by": user.get_username(), "at": timezone.now().isoformat()}}
    with transaction.atomic():
        delivery_ = delivery.dispatch(PING, data, webhooks=[webhook])[0]
    return delivery_


def redeliver(original: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event and object again, as a new delivery; return it."""
    return delivery.redeliver(original)
