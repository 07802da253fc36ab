"""Starting a build from a launch form: its build options (-only / -except sources, the on-error policy) and the start."""

from typing import Any

from django import forms

from builds import services
from builds.engine.hcl.config import Config
from builds.models import ON_ERROR_CHOICES, Build
from imagehub.models import TemplateVersion
from imagehub.variable_forms import VariableForm

SELECTION_CHOICES = [
    ("all", "Every source"),
    ("only", "Only the ticked sources (-only)"),
    ("except", "Every source but the ticked ones (-except)"),
]
FIELD_PREFIX = "build"


def source_names(config: Config) -> list[str]:
    """Return the names -only/-except may pick from `config`: each build's sources, as `build.type.name`."""
    return [build.full_name(source) for build, source in config.selected_sources()]


class BuildOptionsForm(forms.Form):
    """Source selection and the on-error policy; `only` and `except_` hold the choice once valid."""

    selection = forms.ChoiceField(choices=SELECTION_CHOICES, initial="all", widget=forms.RadioSelect,
                                  label="Sources to build")
    sources = forms.MultipleChoiceField(choices=(), required=False, widget=forms.CheckboxSelectMultiple,
                                        label="Sources")
    on_error = forms.ChoiceField(choices=ON_ERROR_CHOICES, initial="cleanup", label="When a step fails")

    def __init__(self, names: list[str], data=None):
        super().__init__(data, prefix=FIELD_PREFIX)
        self.fields["sources"].choices = [(name, name) for name in names]
        self.names = names
        self.only: list[str] = []
        self.except_: list[str] = []

    def clean(self) -> dict:
        cleaned = super().clean()
        selection = cleaned.get("selection")
        ticked = cleaned.get("sources") or []
        if selection in ("only", "except") and not ticked:
            self.add_error("sources", f"Tick the sources to build {'only' if selection == 'only' else 'without'}.")
        elif selection == "except" and set(ticked) >= set(self.names):
            self.add_error("sources", "Every source is excluded, so nothing would be built.")
        elif selection == "only":
            self.only = list(ticked)
        elif selection == "except":
            self.except_ = list(ticked)
        return cleaned


def given_values(form: VariableForm) -> dict[str, Any]:
    """Return the values typed into a valid launch form (blank fields take the template's values when it runs)."""
    return {item.name: item.value for item in form.resolved if item.source == "this form"}


def start(version: TemplateVersion, user, form: VariableForm, options: BuildOptionsForm) -> Build:
    """Start a build of `version` from a valid launch form and build options; return it.

    Raises ValidationError when builds.services refuses it: its messages
    belong on the launch form (`form.add_error(None, error)`).
    """
    return services.start_build(version, user, given_values(form), only=options.only, except_=options.except_,
                                on_error=options.cleaned_data["on_error"], preset=form.launch.preset)
