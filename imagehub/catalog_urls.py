"""URLs of the template catalog, under /templates/ in the `catalog` namespace."""

from django.urls import path

from imagehub import catalog_views, editing_views

app_name = "catalog"

urlpatterns = [
    path("", catalog_views.template_list, name="template_list"),
    path("new/", editing_views.template_create, name="template_create"),
    path("import/", editing_views.template_import, name="template_import"),
    path("validate/", editing_views.validate, name="validate"),
    path("fmt/", editing_views.fmt, name="fmt"),
    path("<slug:slug>/", catalog_views.template_detail, name="template_detail"),
    path("<slug:slug>/details/", editing_views.template_details, name="template_details"),
    path("<slug:slug>/edit/", editing_views.template_edit, name="template_edit"),
    path("<slug:slug>/history/", catalog_views.version_list, name="version_list"),
    path("<slug:slug>/diff/", catalog_views.version_diff, name="version_diff"),
    path("<slug:slug>/versions/<int:number>/", catalog_views.version_detail, name="version_detail"),
    path("<slug:slug>/versions/<int:number>/export/", catalog_views.version_export, name="version_export"),
    path("<slug:slug>/versions/<int:number>/restore/", editing_views.version_restore, name="version_restore"),
    path("<slug:slug>/versions/<int:number>/variables/", catalog_views.variable_form, name="variable_form"),
]
