"""The webhooks pages, for administrators: the list, create and edit, enable, delete, ping, a new secret, and the
delivery log of each webhook with every attempt's request and response, and redelivery.

Every view answers a full page, or for an htmx request that is not boosted
the page's fragment (a `{% partialdef %}`). While a delivery in the log
waits for its first attempt (a ping just sent), the log re-fetches itself
every POLL_SECONDS, so its outcome shows without a reload.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from builds.action_views import go_to
from builds.secrets import SecretsUnreadable
from imagehub.roles import ADMINISTER, permission_required
from imagehub.webhooks import services
from imagehub.webhooks.delivery import body_of
from imagehub.webhooks.forms import WebhookForm
from imagehub.webhooks.models import Webhook, WebhookDelivery

DELIVERIES_PER_PAGE = 25
POLL_SECONDS = 2

admin_permission = permission_required(ADMINISTER, "manage webhooks")


def _page_or_fragment(request: HttpRequest, template_name: str, fragment: str, context: dict,
                      status: int = 200) -> HttpResponse:
    if request.htmx and not request.htmx.boosted:
        template_name = f"{template_name}#{fragment}"
    return render(request, template_name, context, status=status)


def _detail_url(webhook: Webhook) -> str:
    return reverse("webhooks:webhook_detail", args=[webhook.pk])


@require_GET
@admin_permission
def webhook_list(request: HttpRequest) -> HttpResponse:
    """The webhooks, each with its events and the outcome of its latest delivery."""
    rows = [(webhook, webhook.deliveries.order_by("-created_at", "-id").first()) for webhook in Webhook.objects.all()]
    return render(request, "imagehub/webhooks/webhook_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@admin_permission
def webhook_create(request: HttpRequest) -> HttpResponse:
    """The form of a new webhook; a valid POST creates it, with a new secret, and opens its page."""
    form = WebhookForm(request.POST) if request.method == "POST" else WebhookForm(initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            webhook = services.create_webhook(name=form.cleaned_data["name"], url=form.cleaned_data["url"],
                                              events=form.chosen_events(), active=form.cleaned_data["active"],
                                              user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f'Webhook "{webhook.name}" created. Give its secret (under "Signing secret") '
                                      "to the receiver, so that it can check the signatures.")
            return go_to(request, _detail_url(webhook))
    status = 400 if form.errors else 200
    return render(request, "imagehub/webhooks/webhook_form.html", {"form": form, "webhook": None}, status=status)


@require_http_methods(["GET", "POST"])
@admin_permission
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The form of a webhook's settings; a valid POST saves them."""
    webhook = get_object_or_404(Webhook, pk=pk)
    form = WebhookForm(request.POST) if request.method == "POST" else WebhookForm.for_webhook(webhook)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_webhook(webhook, name=form.cleaned_data["name"], url=form.cleaned_data["url"],
                                    events=form.chosen_events(), active=form.cleaned_data["active"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f'Webhook "{webhook.name}" saved.')
            return go_to(request, _detail_url(webhook))
    status = 400 if form.errors else 200
    return render(request, "imagehub/webhooks/webhook_form.html", {"form": form, "webhook": webhook}, status=status)


@require_GET
@admin_permission
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A webhook's page: its settings and secret, its actions, and its delivery log, latest first."""
    webhook = get_object_or_404(Webhook.objects.select_related("created_by"), pk=pk)
    deliveries = webhook.deliveries.order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    try:
        secret, secret_problem = webhook.secret, ""
    except SecretsUnreadable as error:
        secret, secret_problem = "", f"{error} Or make a new secret below."
    following = any(delivery.status == WebhookDelivery.Status.PENDING for delivery in page.object_list)
    context = {"webhook": webhook, "page": page, "status": status, "statuses": WebhookDelivery.Status.choices,
               "secret": secret, "secret_problem": secret_problem, "following": following,
               "refresh_url": request.get_full_path(), "poll_seconds": POLL_SECONDS}
    return _page_or_fragment(request, "imagehub/webhooks/webhook_detail.html", "deliveries", context)


@require_POST
@admin_permission
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Enable a disabled webhook, or disable an active one."""
    webhook = get_object_or_404(Webhook, pk=pk)
    services.set_active(webhook, not webhook.active)
    messages.success(request, f'Webhook "{webhook.name}" is {"active" if webhook.active else "disabled"}.')
    return go_to(request, _detail_url(webhook))


@require_POST
@admin_permission
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a webhook with its delivery log."""
    webhook = get_object_or_404(Webhook, pk=pk)
    webhook.delete()
    messages.success(request, f'Webhook "{webhook.name}" and its delivery log were deleted.')
    return go_to(request, reverse("webhooks:webhook_list"))


@require_POST
@admin_permission
def webhook_ping(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a test ping to the webhook; its delivery shows in the log."""
    webhook = get_object_or_404(Webhook, pk=pk)
    services.send_ping(webhook, request.user)
    messages.success(request, f'A ping is on its way to {webhook.url}; its delivery is at the top of the log.')
    return go_to(request, _detail_url(webhook))


@require_POST
@admin_permission
def webhook_secret(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the webhook a new signing secret (the old one stops working at once)."""
    webhook = get_object_or_404(Webhook, pk=pk)
    services.new_secret(webhook)
    messages.success(request, f'Webhook "{webhook.name}" has a new secret: give it to the receiver.')
    return go_to(request, _detail_url(webhook))


@require_GET
@admin_permission
def delivery_detail(request: HttpRequest, delivery_id) -> HttpResponse:
    """One delivery: the payload sent, and each attempt's request headers and response (or error)."""
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("webhook"), delivery_id=delivery_id)
    context = {"delivery": delivery, "webhook": delivery.webhook, "attempts": delivery.attempt_log.all(),
               "body": body_of(delivery.payload).decode("utf-8")}
    return _page_or_fragment(request, "imagehub/webhooks/delivery_detail.html", "attempts", context)


@require_POST
@admin_permission
def delivery_redeliver(request: HttpRequest, delivery_id) -> HttpResponse:
    """Send a delivery's event again, as a new delivery."""
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("webhook"), delivery_id=delivery_id)
    again = services.redeliver(delivery)
    messages.success(request, f"Delivery {delivery.delivery_id} is sent again as {again.delivery_id}.")
    return go_to(request, _detail_url(delivery.webhook))
