"""Lineage images and channels as the API shows them, and the body that assigns a build to a channel."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from builds.channel_models import Channel, ChannelEvent
from builds.image_status import CURRENT, OUTDATED, REVOKED, image_states
from builds.lineage_models import ImageNode

IMAGE_STATES = (CURRENT, OUTDATED, REVOKED)


class ImageSerializer(serializers.ModelSerializer):
    """An image node; `status` and `status_reason` come from the `statuses` context (id → ImageStatus)."""

    template = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    status_reason = serializers.SerializerMethodField()

    class Meta:
        model = ImageNode
        fields = ["id", "kind", "image_id", "region", "builder_type", "template", "build", "artifact", "source",
                  "parent", "parent_via", "name", "owner", "owner_name", "image_created", "tags", "created_at",
                  "revoke_at", "revoke_reason", "status", "status_reason"]

    def get_template(self, image) -> str | None:
        return image.template.slug if image.template_id and image.template is not None else None

    def _status(self, image):
        return self.context["statuses"].get(image.pk)

    @extend_schema_field(serializers.ChoiceField(choices=IMAGE_STATES))
    def get_status(self, image) -> str:
        judged = self._status(image)
        if judged is not None:
            return judged.state
        return REVOKED if image.is_revoked() else CURRENT

    def get_status_reason(self, image) -> str:
        judged = self._status(image)
        return judged.reason if judged is not None else ""


class ChannelEventSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(read_only=True, slug_field="username")

    class Meta:
        model = ChannelEvent
        fields = ["action", "build", "previous_build", "by", "at", "note"]


class ImageStateSerializer(serializers.Serializer):
    """An image named in another answer (a channel's, an artifact's), with its status."""

    id = serializers.IntegerField(help_text="The image's id in the lineage (GET /api/v1/images/<id>/).")
    image_id = serializers.CharField()
    region = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=IMAGE_STATES, help_text="As GET /api/v1/images/<id>/ gives it.")
    status_reason = serializers.CharField(allow_blank=True, help_text="Why it is outdated or revoked.")
    revoke_at = serializers.DateTimeField(allow_null=True, help_text="When it is (or was) revoked; a time to "
                                                                     "come is a scheduled revocation.")


def channel_images(channels) -> dict[int, list[dict]]:
    """The images of the build each of `channels` points at, with their status (build id → rows), in a few
    queries whatever their number."""
    builds = {channel.build_id for channel in channels if channel.build_id}
    pks = list(ImageNode.objects.filter(build_id__in=builds).values_list("pk", flat=True)) if builds else []
    found: dict[int, list[dict]] = {}
    for image, judged in sorted(image_states(pks).values(), key=lambda pair: (pair[0].region, pair[0].pk)):
        found.setdefault(image.build_id, []).append({
            "id": image.pk, "image_id": image.image_id, "region": image.region, "status": judged.state,
            "status_reason": judged.reason, "revoke_at": image.revoke_at})
    return found


class ChannelSerializer(serializers.ModelSerializer):
    """A channel and the images of the build it points at, with their status; give the `channel_images` of a
    page of channels in the context to read them at once."""

    template = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    updated_by = serializers.SlugRelatedField(read_only=True, slug_field="username")
    images = serializers.SerializerMethodField(help_text="The images of the build it points at, with their "
                                                         "status: a revoked one flags the channel.")

    class Meta:
        model = Channel
        fields = ["template", "name", "build", "follow_latest", "updated_at", "updated_by", "images"]

    @extend_schema_field(ImageStateSerializer(many=True))
    def get_images(self, channel) -> list[dict]:
        found = self.context.get("channel_images")
        if found is None:
            found = channel_images([channel])
        rows = found.get(channel.build_id, [])
        return ImageStateSerializer(rows, many=True).data


class ChannelDetailSerializer(ChannelSerializer):
    events = serializers.SerializerMethodField(help_text="Its latest changes, newest first (at most 20).")

    class Meta(ChannelSerializer.Meta):
        fields = [*ChannelSerializer.Meta.fields, "events"]

    @extend_schema_field(ChannelEventSerializer(many=True))
    def get_events(self, channel) -> list[dict]:
        events = channel.events.select_related("by").order_by("-at", "-id")[:20]
        return ChannelEventSerializer(events, many=True).data


class AssignChannelSerializer(serializers.Serializer):
    build = serializers.IntegerField(min_value=1, help_text="The id of a successful build of the template.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300,
                                 help_text="Why, for the channel's history.")
