"""The launch form of a template version, generated from its `variable` blocks and checked as Packer checks values.

Each variable becomes a field by its type: string → text, number → number,
bool → checkbox, anything structured → HCL (or JSON) text. A sensitive
variable is a password field that never shows a value. A blank field stands
for the variable's value without the form: the chosen preset file's, an
`*.auto.pkrvars.hcl` file's, or the default; a variable with none of them is
required. A default that calls env() is taken from the build machine's
environment when the build runs, so the form neither shows nor checks it.
Values are converted to the variable's type and its `validation` rules are
evaluated here, each failing rule's error_message shown at its field.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms

from builds.engine.hcl import types
from builds.engine.hcl.config import Config
from builds.engine.hcl.diagnostics import error
from builds.engine.hcl.evaluate import EvalError, Scope, evaluate
from builds.engine.hcl.functions import FunctionContext
from builds.engine.hcl.parser import parse_expression
from builds.engine.hcl.template import VariableDecl
from builds.engine.hcl.values import UNKNOWN, format_number, is_unknown
from imagehub import analysis
from imagehub.models import AUTO_VARIABLES_SUFFIX, VARIABLES_SUFFIX

FIELD_PREFIX = "var"
SENSITIVE_MASK = "(sensitive)"


def presets(files: Mapping[str, str]) -> list[str]:
    """Return the names of the variables files a user may choose (the auto-loaded ones always apply)."""
    return [name for name in sorted(files) if name.endswith(VARIABLES_SUFFIX)
            and not name.endswith(AUTO_VARIABLES_SUFFIX)]


@dataclass(frozen=True)
class Launch:
    """A version's files loaded for its launch form: the config, or the problems that stop it loading."""

    config: Config
    preset: str

    @property
    def problems(self) -> list[dict[str, Any]]:
        return [analysis.diagnostic_data(d) for d in self.config.diagnostics.errors]

    @property
    def loaded(self) -> bool:
        return self.config.template is not None and self.config.context is not None


def load(files: Mapping[str, str], preset: str = "") -> Launch:
    """Load `files` with the preset variables file `preset` (one of presets(files), or "") applied."""
    chosen = preset if preset in presets(files) else ""
    return Launch(analysis.load(files, var_files=(chosen,) if chosen else ()), chosen)


@dataclass(frozen=True)
class Resolved:
    """One variable's value after the form: where it came from, and how to show it."""

    name: str
    value: Any
    source: str
    sensitive: bool
    display: str


class VariableForm(forms.Form):
    """A form with one field per variable of a loaded template (see the module's docstring)."""

    def __init__(self, launch: Launch, data=None):
        super().__init__(data, prefix=FIELD_PREFIX)
        self.launch = launch
        self.declarations: dict[str, VariableDecl] = dict(launch.config.template.variables)
        for name, decl in self.declarations.items():
            self.fields[name] = _field(decl, self._fallback(name))
        self.resolved: list[Resolved] = []

    def _fallback(self, name: str) -> tuple[Any, str] | None:
        """The value a blank field stands for and where it comes from, or None when there is none."""
        decl = self.declarations[name]
        current = self.launch.config.context.variables[name]
        if current.source == "file" and current.range is not None:
            return current.value, current.range.filename
        if decl.default is None:
            return None
        if analysis.uses_environment(decl.default):
            return UNKNOWN, "the build machine's environment"
        return current.value, "default"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.resolved = []
        for name, decl in self.declarations.items():
            if name in self.errors:
                continue
            value = cleaned.get(name)
            source = "this form"
            if value is None and not isinstance(self.fields[name], forms.BooleanField):
                # Only a field with a fallback may be blank.
                value, source = self._fallback(name)
            message = _failed_validation(decl, value)
            if message:
                self.add_error(name, message)
                continue
            self.resolved.append(Resolved(name, value, source, decl.sensitive, _display(value, decl.sensitive)))
        return cleaned

    def values(self) -> dict[str, Any]:
        """Return the variables the form resolved whose values are known now (call after is_valid())."""
        return {item.name: item.value for item in self.resolved if item.value is not UNKNOWN}


def _field(decl: VariableDecl, fallback: tuple[Any, str] | None) -> forms.Field:
    typ = decl.type
    required = fallback is None
    known = fallback is not None and not is_unknown(fallback[0])
    initial = fallback[0] if known and not decl.sensitive else None
    help_text = decl.description
    if fallback is not None and fallback[1] == "the build machine's environment":
        help_text = _join(help_text, "Blank: the default, read from the environment at build time.")
    elif decl.sensitive and not required:
        help_text = _join(help_text, "Blank: keeps the value already set, never shown.")
    options = {
        "required": required,
        "help_text": help_text,
        "label": decl.name,
        "error_messages": {"required": "This variable has no default; give it a value."},
    }
    if typ == types.BOOL:
        return forms.BooleanField(**{**options, "required": False}, initial=bool(initial) if known else False)
    if decl.sensitive:
        widget: forms.Widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
        return TypedValueField(typ, **options, widget=widget)
    if typ == types.NUMBER:
        widget = forms.NumberInput(attrs={"step": "any"})
        text = format_number(initial) if isinstance(initial, (int, float)) else None
        return TypedValueField(typ, **options, widget=widget, initial=text)
    if typ in (types.STRING, types.ANY):
        return TypedValueField(typ, **options, initial=initial if isinstance(initial, str) else None)
    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "code-input"})
    text = json.dumps(initial, indent=2) if initial is not None else None
    return TypedValueField(typ, **options, widget=widget, initial=text)


def _join(description: str, note: str) -> str:
    return f"{description} {note}" if description else note


class TypedValueField(forms.CharField):
    """Text converted to an HCL type: literal for strings, numbers and `any`, an expression otherwise.

    Blank text cleans to None (the variable's value without the form).
    """

    def __init__(self, typ: types.Type, **options):
        super().__init__(strip=False, **options)
        self.type = typ

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text is None or not text.strip():
            return None
        if self.type in (types.STRING, types.ANY):
            return text
        if self.type == types.NUMBER:
            return _convert(text.strip(), self.type)
        expr, problems = parse_expression(text, "value")
        if expr is None or problems.has_errors:
            first = problems.errors[0]
            raise forms.ValidationError(f"Not a valid value: {first.summary}. {first.detail}".strip())
        try:
            value = evaluate(expr, Scope(functions={}, resolve=_no_references))
        except EvalError as exc:
            raise forms.ValidationError(f"{exc.diag.summary}: {exc.diag.detail}")
        return _convert(value, self.type)

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def _convert(value: Any, typ: types.Type) -> Any:
    try:
        return types.convert(value, typ)
    except types.ConversionError as exc:
        where = f" (at {exc.path})" if exc.path else ""
        raise forms.ValidationError(f"This is not a {types.type_str(typ)}{where}: {exc}.")


def _no_references(root: str, steps: list, where) -> Any:
    raise EvalError(error("Variables not allowed", "A value may not refer to variables or other values.", where))


def _failed_validation(decl: VariableDecl, value: Any) -> str:
    """Return the error_message of the first validation rule `value` fails, or ""."""
    if is_unknown(value):
        return ""
    scope = Scope(names={"var": {decl.name: value}},
                  function_context=FunctionContext(cwd=analysis.TEMPLATE_ROOT))
    for condition, message, _where in decl.validations:
        try:
            ok = evaluate(condition, scope)
        except EvalError as exc:
            return f"{exc.diag.summary}: {exc.diag.detail}"
        if ok is UNKNOWN or ok is True:
            continue
        if ok is not False:
            return "The validation condition of this variable does not give true or false."
        if message is None:
            return "The value is not valid."
        try:
            return str(evaluate(message, scope))
        except EvalError:
            return "The value is not valid."
    return ""


def _display(value: Any, sensitive: bool) -> str:
    if sensitive:
        return SENSITIVE_MASK
    if value is UNKNOWN:
        return "(from the environment at build time)"
    if value is None:
        return "null"
    return analysis.display_value(value)
