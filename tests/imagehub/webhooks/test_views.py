"""Tests of the webhooks pages: administrators only, create and edit, ping, the delivery log and redelivery."""

import pytest
from django.urls import reverse

from imagehub.webhooks import delivery
from imagehub.webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(make_webhook, quick_webhooks):
    return make_webhook("http://127.0.0.1:9/hook", events=["build.failed"])


def pages(webhook) -> list[tuple[str, str]]:
    sent = delivery.dispatch("build.failed", {"build": {"id": 1}}, webhooks=[webhook])[0]
    return [
        ("get", reverse("webhooks:webhook_list")),
        ("get", reverse("webhooks:webhook_create")),
        ("get", reverse("webhooks:webhook_detail", args=[webhook.pk])),
        ("get", reverse("webhooks:webhook_edit", args=[webhook.pk])),
        ("get", reverse("webhooks:delivery_detail", args=[sent.delivery_id])),
        ("post", reverse("webhooks:webhook_ping", args=[webhook.pk])),
        ("post", reverse("webhooks:webhook_toggle", args=[webhook.pk])),
        ("post", reverse("webhooks:webhook_secret", args=[webhook.pk])),
        ("post", reverse("webhooks:delivery_redeliver", args=[sent.delivery_id])),
        ("post", reverse("webhooks:webhook_delete", args=[webhook.pk])),
    ]


def test_a_viewer_gets_403_on_every_webhook_page(client, viewer, webhook):
    client.force_login(viewer)
    for method, url in pages(webhook):
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
    assert Webhook.objects.filter(pk=webhook.pk, active=True).exists()
    assert WebhookDelivery.objects.count() == 1


def test_an_administrator_may_open_and_use_every_webhook_page(client, admin_user, webhook):
    client.force_login(admin_user)
    for method, url in pages(webhook):
        response = getattr(client, method)(url)
        assert response.status_code in (200, 302), url
    assert not Webhook.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, webhook):
    response = client.get(reverse("webhooks:webhook_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_nav_links_to_webhooks_for_administrators_only(client, admin_user, viewer):
    client.force_login(admin_user)
    assert reverse("webhooks:webhook_list") in client.get(reverse("home")).content.decode()
    client.force_login(viewer)
    assert reverse("webhooks:webhook_list") not in client.get(reverse("home")).content.decode()


def test_creating_a_webhook_stores_its_secret_encrypted_and_shows_it_on_its_page(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("webhooks:webhook_create"), {
        "name": "CI", "url": "https://ci.example.com/hooks", "events": ["build.failed", "image.revoked"],
        "active": "on"})

    webhook = Webhook.objects.get()
    assert response["Location"] == reverse("webhooks:webhook_detail", args=[webhook.pk])
    assert webhook.events == ["build.failed", "image.revoked"] and webhook.created_by == admin_user
    assert webhook.secret.startswith("whsec_") and webhook.secret not in webhook.secret_encrypted
    page = client.get(response["Location"]).content.decode()
    assert webhook.secret in page and "build.failed" in page


def test_a_webhook_for_all_events_stores_the_wildcard(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("webhooks:webhook_create"), {"name": "all", "url": "http://10.0.0.5:8080/",
                                                     "all_events": "on", "active": "on"})

    webhook = Webhook.objects.get()
    assert webhook.events == ["*"] and webhook.wants("channel.moved")


@pytest.mark.parametrize(("url", "events", "message"), [
    ("ftp://ci.example.com/hooks", ["build.failed"], "http:// or https://"),
    ("ci.example.com/hooks", ["build.failed"], "http:// or https://"),
    ("https://ci.example.com/hooks", [], "Choose the events"),
])
def test_a_bad_url_or_no_event_is_refused_with_a_message(client, admin_user, url, events, message):
    client.force_login(admin_user)
    response = client.post(reverse("webhooks:webhook_create"), {"name": "CI", "url": url, "events": events})

    assert response.status_code == 400 and message in response.content.decode()
    assert not Webhook.objects.exists()


def test_editing_a_webhook_changes_its_url_and_events_but_keeps_its_secret(client, admin_user, webhook):
    secret = webhook.secret
    client.force_login(admin_user)
    client.post(reverse("webhooks:webhook_edit", args=[webhook.pk]), {
        "name": "CI 2", "url": "https://ci.example.com/new", "events": ["version.created"]})

    webhook.refresh_from_db()
    assert (webhook.name, webhook.url, webhook.events, webhook.active) == (
        "CI 2", "https://ci.example.com/new", ["version.created"], False)
    assert webhook.secret == secret


def test_a_new_secret_replaces_the_old_one(client, admin_user, webhook):
    old = webhook.secret
    client.force_login(admin_user)
    client.post(reverse("webhooks:webhook_secret", args=[webhook.pk]))

    webhook.refresh_from_db()
    assert webhook.secret != old


def test_a_test_ping_is_queued_and_shows_in_the_delivery_log(client, admin_user, webhook):
    client.force_login(admin_user)
    client.post(reverse("webhooks:webhook_ping", args=[webhook.pk]))

    ping = WebhookDelivery.objects.get()
    assert ping.event == "ping" and ping.payload["ping"]["webhook"]["id"] == webhook.pk
    log = client.get(reverse("webhooks:webhook_detail", args=[webhook.pk]), headers={"HX-Request": "true"})
    assert str(ping.delivery_id)[:8] in log.content.decode() and "<html" not in log.content.decode()


def test_the_delivery_log_shows_each_attempt_with_its_response(client, admin_user, receiver, make_webhook,
                                                               quick_webhooks):
    receiver.statuses = [500]
    hook = make_webhook(receiver.url)
    (sent,) = delivery.dispatch("build.failed", {"build": {"id": 3}})
    delivery.attempt(sent.pk)
    client.force_login(admin_user)

    fragment = client.get(reverse("webhooks:delivery_detail", args=[sent.delivery_id]),
                          headers={"HX-Request": "true"}).content.decode()
    assert "HTTP 500" in fragment and "answer 1" in fragment and "X-ImageHub-Event: build.failed" in fragment
    assert hook.secret not in fragment
    detail = client.get(reverse("webhooks:webhook_detail", args=[hook.pk]) + "?status=failed").content.decode()
    assert f'id="delivery-{sent.delivery_id}"' in detail and "Failed, will retry" in detail


def test_redeliver_sends_a_new_delivery_of_the_same_event(client, admin_user, webhook):
    (sent,) = delivery.dispatch("build.failed", {"build": {"id": 9}}, webhooks=[webhook])
    client.force_login(admin_user)
    client.post(reverse("webhooks:delivery_redeliver", args=[sent.delivery_id]))

    again = WebhookDelivery.objects.exclude(pk=sent.pk).get()
    assert again.redelivery_of == sent and again.payload["build"] == {"id": 9}


def test_the_delivery_log_refetches_itself_only_while_a_delivery_waits_for_its_first_attempt(
        client, admin_user, receiver, make_webhook, quick_webhooks):
    hook = make_webhook(receiver.url)
    (sent,) = delivery.dispatch("build.failed", {"build": {"id": 4}})
    client.force_login(admin_user)
    url = reverse("webhooks:webhook_detail", args=[hook.pk])

    waiting = client.get(url + "?status=pending", headers={"HX-Request": "true"}).content.decode()
    assert f'hx-get="{url}?status=pending" hx-trigger="every 2s"' in waiting
    delivery.attempt(sent.pk)
    done = client.get(url).content.decode()
    assert f'id="delivery-{sent.delivery_id}" data-status="delivered"' in done and 'hx-trigger="every' not in done
