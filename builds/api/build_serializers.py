"""Builds, their steps, log lines and artifacts as the API shows them, and the body that starts a build."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from builds.models import ON_ERROR_CHOICES, Artifact, Build, BuildStep


class BuildSerializer(serializers.ModelSerializer):
    template = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    version = serializers.IntegerField(source="template_version.number", read_only=True)
    requested_by = serializers.SlugRelatedField(read_only=True, slug_field="username")
    duration_seconds = serializers.SerializerMethodField()
    except_ = serializers.ListField(child=serializers.CharField(), source="except_names", read_only=True)

    class Meta:
        model = Build
        fields = ["id", "status", "template", "version", "requested_by", "queued_at", "started_at", "finished_at",
                  "duration_seconds", "current_step", "last_seq", "exit_reason", "on_error", "only", "except_",
                  "preset", "sources", "rebuild_of"]

    def get_fields(self):
        fields = super().get_fields()
        fields["except"] = fields.pop("except_")
        return fields

    def get_duration_seconds(self, build) -> float | None:
        duration = build.duration
        return round(duration.total_seconds(), 3) if duration is not None else None


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = BuildStep
        fields = ["source", "name", "phase", "started_at", "finished_at", "outcome"]


class BuildDetailSerializer(BuildSerializer):
    variables = serializers.SerializerMethodField(help_text="The values the build used; sensitive ones masked.")
    steps = StepSerializer(many=True, read_only=True)
    cancel_requested_at = serializers.DateTimeField(read_only=True, allow_null=True)
    artifacts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(BuildSerializer.Meta):
        fields = [*BuildSerializer.Meta.fields, "cancel_requested_at", "variables", "steps", "artifacts"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_variables(self, build) -> dict:
        return build.displayed_variables()


class StartBuildSerializer(serializers.Serializer):
    """What to build: a template's version with values for its variables, as the launch form takes them."""

    template = serializers.SlugField(help_text="The template's slug.")
    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text="The version's number; left out: the latest version.")
    variables = serializers.DictField(required=False, default=dict,
                                      help_text="Values by variable name (text as typed in the form, or values "
                                                "of the variable's type); left out ones take their defaults.")
    only = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                 help_text="Build only these sources (like packer build -only).")
    except_ = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                    help_text="Leave these sources out (like packer build -except).")
    on_error = serializers.ChoiceField(choices=ON_ERROR_CHOICES, required=False, default="cleanup")
    preset = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="A variables file of the version to apply first.")

    def get_fields(self):
        fields = super().get_fields()
        fields["except"] = fields.pop("except_")
        return fields


class LogLineSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The line's number, from 1 per build.")
    time = serializers.FloatField(help_text="When it was printed, in UNIX seconds.")
    source = serializers.CharField(allow_blank=True)
    step = serializers.CharField(allow_blank=True)
    stream = serializers.CharField()
    text = serializers.CharField(allow_blank=True)


class LogPageSerializer(serializers.Serializer):
    build = serializers.IntegerField()
    status = serializers.CharField()
    lines = LogLineSerializer(many=True)
    last_seq = serializers.IntegerField(help_text="The number of the last line given (`after` when none); ask "
                                                  "again with ?after= this.")
    final = serializers.BooleanField(help_text="True when the build is over and no line follows these.")


class ArtifactFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField(required=False)
    sha256 = serializers.CharField(required=False)


class ArtifactSerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()
    images = serializers.PrimaryKeyRelatedField(many=True, read_only=True,
                                                help_text="Its images in the lineage (GET /api/v1/images/<id>/).")

    class Meta:
        model = Artifact
        fields = ["id", "build", "source", "builder_type", "builder_id", "artifact_id", "description",
                  "region_ids", "files", "source_image_id", "metadata", "created_at", "images"]

    @extend_schema_field(ArtifactFileSerializer(many=True))
    def get_files(self, artifact) -> list[dict]:
        return [{key: item[key] for key in ("name", "size", "sha256") if key in item} for item in artifact.files]
