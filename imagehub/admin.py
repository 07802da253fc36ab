"""The admin site's pages for the catalog: templates and labels to manage, versions to read.

The catalog owns what the admin site must not do: it creates templates with
their first version, checks names for clashes, and never changes or deletes
a version. So here a template's name and slug are read-only, and neither
templates nor versions can be added or deleted.
"""

from django.contrib import admin

from imagehub.models import Label, PackerTemplate, TemplateFile, TemplateVersion


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(PackerTemplate)
class PackerTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner", "latest_version", "updated"]
    list_select_related = ["owner", "latest_version__template"]
    list_filter = ["labels"]
    search_fields = ["name", "slug", "description"]
    filter_horizontal = ["labels"]
    raw_id_fields = ["owner"]
    # The name and its slug go through the catalog's clash check; the admin site cannot run it.
    readonly_fields = ["name", "slug", "latest_version", "created", "updated"]
    fields = ["name", "slug", "description", "labels", "owner", "latest_version", "created", "updated"]

    def has_add_permission(self, request) -> bool:
        # A template is created with its first version, in the catalog.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a template would delete its versions, which are never deleted.
        return False


class TemplateFileInline(admin.StackedInline):
    model = TemplateFile
    fields = ["name", "content"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TemplateVersion)
class TemplateVersionAdmin(admin.ModelAdmin):
    """Versions are immutable: the admin site shows them and never changes or deletes one."""

    list_display = ["template", "number", "author", "created", "is_valid", "error_count", "warning_count"]
    list_select_related = ["template", "author"]
    list_filter = ["is_valid"]
    search_fields = ["template__name", "message"]
    inlines = [TemplateFileInline]
    fields = ["template", "number", "author", "created", "message", "restored_from", "content_hash", "is_valid",
              "error_count", "warning_count", "diagnostics"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


from imagehub.webhooks import admin as webhook_admin  # noqa: E402,F401 (registers the webhooks' pages)
