"""Builds, their steps, log lines and artifacts as the API shows them, and the body that starts a build.

A build and an artifact are answered by builds.serializers (`build_summary`, `build_record`,
`artifact_record`), the same functions the build page's JSON export uses; the fields declared here only
describe those answers for the OpenAPI schema (tests/builds/api/test_build_record.py holds them to it).
"""

from rest_framework import serializers

from builds.api.image_serializers import ImageStateSerializer
from builds.models import ON_ERROR_CHOICES, Artifact, Build, BuildStep
from builds.serializers import artifact_record, build_record, build_summary


class BuildSerializer(serializers.ModelSerializer):
    """A build in the list: answered by builds.serializers.build_summary."""

    template = serializers.SlugRelatedField(read_only=True, slug_field="slug", help_text="The template's slug.")
    version = serializers.IntegerField(source="template_version.number", read_only=True,
                                       help_text="The template version's number.")
    requested_by = serializers.SlugRelatedField(read_only=True, slug_field="username")
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True,
                                              help_text="From start to finish (to now while running); null "
                                                        "before it starts.")
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

    def to_representation(self, instance: Build) -> dict:
        return build_summary(instance)


class StepSerializer(serializers.ModelSerializer):
    """One step of a build's timeline, as builds.serializers.step_record gives it."""

    duration_seconds = serializers.FloatField(read_only=True, allow_null=True,
                                              help_text="From start to finish; null while it runs.")

    class Meta:
        model = BuildStep
        fields = ["source", "name", "phase", "started_at", "finished_at", "duration_seconds", "outcome"]


class ArtifactFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField(required=False)
    sha256 = serializers.CharField(required=False)


class ArtifactSerializer(serializers.ModelSerializer):
    """An artifact: answered by builds.serializers.artifact_record."""

    files = ArtifactFileSerializer(many=True, read_only=True, help_text="Its files with sizes and SHA-256 sums.")
    images = ImageStateSerializer(many=True, read_only=True,
                                  help_text="Its images in the lineage (GET /api/v1/images/<id>/) with their status.")

    class Meta:
        model = Artifact
        fields = ["id", "build", "source", "builder_type", "builder_id", "artifact_id", "description",
                  "region_ids", "files", "source_image_id", "metadata", "created_at", "images"]

    def to_representation(self, instance: Artifact) -> dict:
        return artifact_record(instance)


class TemplateVersionRecordSerializer(serializers.Serializer):
    template_name = serializers.CharField(help_text="The template's name.")
    number = serializers.IntegerField()
    content_hash = serializers.CharField(help_text="The SHA-256 of the version's files.")
    created = serializers.DateTimeField()
    author = serializers.CharField(allow_null=True)


class BuildDetailSerializer(BuildSerializer):
    """A build's full record, the build page's JSON export: answered by builds.serializers.build_record."""

    template_version = TemplateVersionRecordSerializer(read_only=True, help_text="The version that was built.")
    worker_host = serializers.CharField(read_only=True, help_text="The host of the worker that ran it.")
    recorded_from_cli = serializers.BooleanField(read_only=True,
                                                 help_text="True for a build run by `imagehub build --record`.")
    ledger_ids = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="Its build ids in the resource ledger (for `imagehub sweep`).")
    cancel_requested_at = serializers.DateTimeField(read_only=True, allow_null=True)
    variables = serializers.DictField(read_only=True,
                                      help_text="The values the build used by name; sensitive ones masked.")
    steps = StepSerializer(many=True, read_only=True)
    artifacts = ArtifactSerializer(many=True, read_only=True)

    class Meta(BuildSerializer.Meta):
        fields = [*BuildSerializer.Meta.fields, "template_version", "worker_host", "recorded_from_cli",
                  "ledger_ids", "cancel_requested_at", "variables", "steps", "artifacts"]

    def to_representation(self, instance: Build) -> dict:
        return build_record(instance)


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
