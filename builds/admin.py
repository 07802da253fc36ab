"""The admin site's pages for builds: records to read, with their steps and artifacts; logs stay on the build page.
Images and channels are read here too; API tokens are listed and deleted."""

from django.contrib import admin

from builds.cascade_models import Cascade, CascadeStep
from builds.models import ApiToken, Artifact, Build, BuildStep, Channel, ImageNode


class BuildStepInline(admin.TabularInline):
    model = BuildStep
    extra = 0
    can_delete = False
    fields = ["source", "phase", "name", "started_at", "finished_at", "outcome"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ArtifactInline(admin.StackedInline):
    model = Artifact
    extra = 0
    can_delete = False
    fields = ["source", "builder_type", "builder_id", "artifact_id", "region_ids", "files", "source_image_id"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Build)
class BuildAdmin(admin.ModelAdmin):
    """Builds are read here; they are started, cancelled and continued from the dashboard."""

    list_display = ["id", "template", "template_version", "status", "requested_by", "queued_at", "worker_host"]
    list_select_related = ["template", "template_version__template", "requested_by"]
    list_filter = ["status", "recorded_from_cli"]
    search_fields = ["template__name", "requested_by__username", "worker_host"]
    date_hierarchy = "queued_at"
    inlines = [BuildStepInline, ArtifactInline]
    # The sensitive values' ciphertext is not editable, so it is never shown.
    exclude = ["sensitive_variables"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ["id", "build", "source", "builder_type", "artifact_id", "created_at"]
    list_select_related = ["build"]
    list_filter = ["builder_type"]
    search_fields = ["artifact_id", "source_image_id", "source"]
    raw_id_fields = ["build"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records changed only through the dashboard's services (which check roles and keep history)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImageNode)
class ImageNodeAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "image_id", "region", "template", "build", "parent", "revoke_at"]
    list_select_related = ["template", "parent"]
    list_filter = ["kind", "builder_type"]
    search_fields = ["image_id", "name", "template__name"]
    raw_id_fields = ["artifact", "build", "parent", "revoked_cause", "revoked_by"]


@admin.register(Channel)
class ChannelAdmin(ReadOnlyAdmin):
    list_display = ["id", "template", "name", "build", "follow_latest", "updated_at", "updated_by"]
    list_select_related = ["template", "updated_by"]
    search_fields = ["template__name", "name"]
    raw_id_fields = ["build"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made on a user's API tokens page or with `imagehub manage api_token`; here an administrator
    sees who has one with which scope and deletes one that leaked. The digest is not shown."""

    list_display = ["id", "user", "name", "scope", "created_at", "last_used_at"]
    list_filter = ["scope"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]
    exclude = ["digest"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CascadeStepInline(admin.TabularInline):
    model = CascadeStep
    fields = ["position", "level", "template", "version", "previous_build", "build", "status", "reason", "warning"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Cascade)
class CascadeAdmin(ReadOnlyAdmin):
    """Cascades are started and cancelled on the dashboard; here an administrator reads them."""

    list_display = ["id", "template", "status", "started_by", "created_at", "finished_at"]
    list_select_related = ["template", "started_by"]
    list_filter = ["status"]
    search_fields = ["template__name"]
    fields = ["template", "trigger_image", "trigger_build", "trigger_revoked", "status", "started_by", "created_at",
              "finished_at", "cancelled_by"]
    readonly_fields = fields
    inlines = [CascadeStepInline]
