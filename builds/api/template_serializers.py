"""Templates and their versions as the API shows them, and the body of a new version."""

from rest_framework import serializers

from imagehub.models import PackerTemplate, TemplateVersion


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


class TemplateSerializer(serializers.ModelSerializer):
    labels = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    owner = serializers.SerializerMethodField()
    latest_version = serializers.SerializerMethodField(help_text="The number of the newest version.")

    class Meta:
        model = PackerTemplate
        fields = ["slug", "name", "description", "labels", "owner", "created", "updated", "latest_version"]

    def get_owner(self, template) -> str | None:
        return _username(template.owner)

    def get_latest_version(self, template) -> int | None:
        return template.latest_version.number if template.latest_version_id else None


class VersionSerializer(serializers.ModelSerializer):
    template = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    author = serializers.SerializerMethodField()

    class Meta:
        model = TemplateVersion
        fields = ["template", "number", "created", "author", "message", "content_hash", "restored_from",
                  "is_valid", "error_count", "warning_count"]

    def get_author(self, version) -> str | None:
        return _username(version.author)


class VersionDetailSerializer(VersionSerializer):
    files = serializers.SerializerMethodField(help_text="The version's files: name to text.")
    diagnostics = serializers.ListField(child=serializers.DictField(), read_only=True,
                                        help_text="What validation found when the version was saved.")

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "files", "diagnostics"]

    def get_files(self, version) -> dict[str, str]:
        return version.file_texts()


class NewVersionSerializer(serializers.Serializer):
    """The files of a new version (every file of it, not a change), as the catalog's editor saves them."""

    files = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        allow_empty=False, help_text="Every file of the new version: name (e.g. main.pkr.hcl) to text.")
    message = serializers.CharField(required=False, allow_blank=True, max_length=200, default="",
                                    help_text="What changed, for the version's history.")
    require_valid = serializers.BooleanField(
        required=False, default=False,
        help_text="Refuse files that do not validate (400 with the diagnostics; nothing saved) instead of saving "
                  "them as an invalid version, as the editor does.")
    base = serializers.IntegerField(
        required=False, min_value=0,
        help_text="The version these files started from; when the template has a newer one, nothing is "
                  "saved and the answer is 409. Left out: the latest version.")
