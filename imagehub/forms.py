"""The catalog's forms: a new template, its details, an import, a save, and file sets posted by the editor.

A file set is posted as parallel `file_name` and `file_content` fields, one
pair per file, in any order; `file_remove` names files to leave out. Browsers
send text areas with CRLF line endings, so posted text is brought back to the
line endings of the same file in the version the edit started from (LF for a
new file).
"""

from collections.abc import Mapping

from django import forms

from imagehub import catalog
from imagehub.catalog import CatalogError, InvalidFiles
from imagehub.models import is_template_file, validate_file_name

STARTER_FILE = "main.pkr.hcl"
STARTER_TEXT = """\
source "null" "example" {
  communicator = "none"
}

build {
  sources = ["source.null.example"]
}
"""


class LabelsField(forms.CharField):
    """Comma-separated labels, cleaned to a list of valid lower-case labels."""

    def __init__(self, **options):
        options.setdefault("required", False)
        options.setdefault("help_text", "Comma-separated, e.g. ubuntu, aws, base.")
        super().__init__(max_length=1000, **options)

    def clean(self, value) -> list[str]:
        text = super().clean(value)
        try:
            return catalog.parse_labels(text or "")
        except CatalogError as error:
            raise forms.ValidationError(error.message)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(value)
        return value


class TemplateDetailsForm(forms.Form):
    """A template's description and labels, which change without a new version."""

    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    labels = LabelsField()


class TemplateCreateForm(TemplateDetailsForm):
    """A new template: its name, details and the text of its first file."""

    name = forms.CharField(max_length=100)
    file_name = forms.CharField(max_length=100, initial=STARTER_FILE, label="File name",
                                validators=[validate_file_name],
                                widget=forms.TextInput(attrs={"data-file-name": True, "autocomplete": "off"}))
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false", "class": "code-input",
                                     "data-file-content": True}),
        initial=STARTER_TEXT,
        required=False,
        strip=False,
    )
    field_order = ["name", "description", "labels", "file_name", "content"]

    def clean_file_name(self) -> str:
        name = self.cleaned_data["file_name"].strip()
        if not is_template_file(name):
            raise forms.ValidationError("The first file is the template itself: a .pkr.hcl (or .pkr.json) file.")
        return name


class TemplateImportForm(TemplateDetailsForm):
    """An upload's template name and details; the files themselves come from request.FILES["files"]."""

    name = forms.CharField(
        max_length=100,
        required=False,
        help_text="Leave blank to name the template after the archive's folder or the uploaded file.",
    )
    field_order = ["name", "description", "labels"]


class VersionSaveForm(forms.Form):
    """What comes with a file set when it is saved: a message and the version the edit started from."""

    message = forms.CharField(max_length=200, required=False)
    base_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def posted_files(data: Mapping, base: Mapping[str, str]) -> dict[str, str]:
    """Return the file set in POST `data` (see the module's docstring); `base` is the starting version's files.

    Raises InvalidFiles when the pairs are incomplete, a file has no name, or
    a name comes twice. Names are checked further by catalog.check_files.
    """
    names = data.getlist("file_name")
    contents = data.getlist("file_content")
    if len(names) != len(contents):
        raise InvalidFiles(["Each file needs a file_name and a file_content field; the form sent "
                            f"{len(names)} names and {len(contents)} contents."])
    removed = set(data.getlist("file_remove"))
    files: dict[str, str] = {}
    problems = []
    for raw_name, content in zip(names, contents, strict=True):
        name = raw_name.strip()
        if not name:
            if content.strip():
                problems.append("A file has text but no name; give it a name ending in .pkr.hcl.")
            continue
        if name in removed:
            continue
        if name in files:
            problems.append(f"{name} is in the form twice; each file name may be used once.")
            continue
        files[name] = match_line_endings(content, base.get(name))
    if problems:
        raise InvalidFiles(problems)
    return files


def match_line_endings(text: str, like: str | None) -> str:
    """Return `text` with LF line endings, or CRLF when `like` (the file before the edit) mostly uses CRLF."""
    text = text.replace("\r\n", "\n")
    if like and like.count("\r\n") * 2 > like.count("\n"):
        return text.replace("\n", "\r\n")
    return text
