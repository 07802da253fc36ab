"""Tests of the admin site's webhook pages: deliveries readable, secrets never shown, nothing changed there."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_administrator_reads_webhooks_and_deliveries_without_the_secret(client, make_webhook, django_user_model):
    from imagehub.webhooks.models import Webhook, WebhookDelivery

    webhook = make_webhook("https://ci.example.com/hook")
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="build.started", payload={"event": "x"})
    client.force_login(django_user_model.objects.create_superuser("root-admin", password="x"))

    page = client.get(f"/admin/imagehub/webhook/{webhook.pk}/change/").content.decode()
    assert "ci.example.com" in page and webhook.secret_encrypted not in page
    assert str(delivery.delivery_id) in client.get("/admin/imagehub/webhookdelivery/").content.decode()
    assert client.get("/admin/imagehub/webhook/add/").status_code == 403
    assert Webhook.objects.count() == 1
