"""Template tags of the image pages: an image's status badge (with a scheduled revocation)."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from builds.image_status import ImageStatus

register = template.Library()


@register.simple_tag
def image_status(status: ImageStatus) -> str:
    """The status badge, its reason as the title, and a badge for a revocation still to come."""
    badge = format_html('<span class="image-status image-status-{}" title="{}">{}</span>', status.state,
                        status.reason, status.label)
    if status.revoke_scheduled_at is None:
        return badge
    when = timezone.localtime(status.revoke_scheduled_at).strftime("%Y-%m-%d %H:%M")
    return format_html('{} <span class="image-status image-status-scheduled" title="Scheduled revocation">'
                       "revoked from {}</span>", badge, when)
