"""The evaluation context of a loaded template: variable values, locals, data sources and references."""

from __future__ import annotations

import os
import uuid
import weakref
from pathlib import Path
from typing import Any

from builds.engine.hcl import ast, types
from builds.engine.hcl.diagnostics import Diagnostic, Diagnostics, Range, error
from builds.engine.hcl.evaluate import EvalError, Scope, evaluate, walk_path
from builds.engine.hcl.template import Template, VariableValue
from builds.engine.hcl.values import UNKNOWN

# Attributes of the ``build`` object that provisioners and post-processors may read.
BUILD_ATTRIBUTES = ("name", "ID", "Host", "Port", "User", "Password", "ConnType", "PackerRunUUID",
                    "PackerHTTPAddr", "PackerHTTPIP", "PackerHTTPPort", "SSHPublicKey", "SSHPrivateKey",
                    "WinRMPassword", "SourceAMI", "SourceAMIName", "SourceImageName")

_RESERVED_ROOTS = ("var", "local", "data", "path", "packer", "source", "build")


class Context:
    """Evaluates expressions of one template: knows its variables, locals and data sources.

    Locals are computed on first reference, with cycle detection; data sources
    are unknown until a build executes them (``data_values`` holds their
    results once it has).
    """

    def __init__(self, template: Template, variables: dict[str, VariableValue], *, cwd: Path,
                 packer_version: str, run_uuid: str | None = None):
        from builds.engine.hcl.functions import FunctionContext

        self.template = template
        self.variables = variables
        self.cwd = cwd
        self.packer_version = packer_version
        self.run_uuid = run_uuid or str(uuid.uuid4())
        self.local_values: dict[str, Any] = {}
        self.local_errors: dict[str, Diagnostic] = {}
        self.data_values: dict[tuple[str, str], Any] = {}
        self._visiting: list[str] = []
        self.function_context = FunctionContext(cwd=cwd, render_template=_weak_renderer(self))
        self._rendering_template = False

    # ------------------------------------------------------------------ scopes

    def scope(self, **names: Any) -> Scope:
        """A scope for expressions at the template's top level, plus any extra root ``names``."""
        return Scope(names=dict(names), function_context=self.function_context, resolve=self._resolve)

    def build_scope(self, build_name: str, source_type: Any, source_name: Any, placeholders: bool = False) -> Scope:
        """A scope for provisioners and post-processors: ``source`` and ``build`` are available.

        The ``build`` values exist only once the build runs: they are unknown, or with ``placeholders``
        the Go-template strings (``{{ .Host }}``) that plugins fill in from the build's generated data.
        """
        if placeholders:
            build_obj: dict[str, Any] = {key: "{{ ." + key + " }}" for key in BUILD_ATTRIBUTES}
        else:
            build_obj = dict.fromkeys(BUILD_ATTRIBUTES, UNKNOWN)
        build_obj["name"] = build_name
        build_obj["PackerRunUUID"] = self.run_uuid
        return self.scope(source={"type": source_type, "name": source_name}, build=build_obj)

    def eval(self, expr: ast.Expr, scope: Scope | None = None) -> Any:
        """Evaluate ``expr``; raises :class:`EvalError`."""
        return evaluate(expr, scope or self.scope())

    # ------------------------------------------------------------------ references

    def _resolve(self, root: str, steps: list, rng: Range) -> Any:
        if root == "var":
            return self._resolve_var(steps, rng)
        if root == "local":
            return self._resolve_local(steps, rng)
        if root == "data":
            return self._resolve_data(steps, rng)
        if root == "path":
            value = {"cwd": str(self.cwd), "root": str(self.template.root)}
            return walk_path(value, steps, rng)
        if root == "packer":
            # HCP Packer's iteration and fingerprint are only known to a build that talks to HCP
            return walk_path({"version": self.packer_version, "iterationID": UNKNOWN,
                              "versionFingerprint": UNKNOWN}, steps, rng)
        if root in ("source", "build"):
            raise EvalError(error("Invalid reference", f'"{root}" is only available inside a build block, in '
                                  "provisioners and post-processors.", rng))
        if root in ("count", "each", "self"):
            raise EvalError(error("Invalid reference", f'"{root}" is not available in Packer templates.', rng))
        raise EvalError(error("Unknown variable", f'There is no variable named "{root}".', rng))

    def _resolve_var(self, steps: list, rng: Range) -> Any:
        if not steps:
            return {name: v.value for name, v in self.variables.items()}
        name = steps[0]
        if not isinstance(name, str) or name not in self.variables:
            raise EvalError(error("Reference to undeclared input variable",
                                  f'An input variable with the name "{name}" has not been declared. This variable '
                                  f'can be declared with a variable "{name}" {{}} block.', rng))
        return walk_path(self.variables[name].value, steps[1:], rng)

    def _resolve_local(self, steps: list, rng: Range) -> Any:
        if not steps:
            raise EvalError(error("Invalid reference", 'The "local" object cannot be accessed directly. Instead, '
                                  "access one of its attributes.", rng))
        name = steps[0]
        if not isinstance(name, str) or name not in self.template.locals:
            raise EvalError(error("Reference to undeclared local value",
                                  f'A local value with the name "{name}" has not been declared.', rng))
        return walk_path(self.local_value(name, rng), steps[1:], rng)

    def local_value(self, name: str, rng: Range | None = None) -> Any:
        """Return the value of ``local.name``, evaluating it (and what it needs) on first use."""
        if name in self.local_values:
            return self.local_values[name]
        if name in self.local_errors:
            raise EvalError(self.local_errors[name])
        if name in self._visiting:
            cycle = self._visiting[self._visiting.index(name):] + [name]
            raise EvalError(error("Cycle detected",
                                  "Local values refer to each other in a cycle: "
                                  + " -> ".join(f"local.{n}" for n in cycle) + ".",
                                  rng or self.template.locals[name].range))
        decl = self.template.locals[name]
        self._visiting.append(name)
        try:
            value = evaluate(decl.expr, self.scope())
        except EvalError as exc:
            if not exc.diag.context:
                exc.diag.context = self._local_block_name(name)
            self.local_errors[name] = exc.diag
            raise
        finally:
            self._visiting.pop()
        self.local_values[name] = value
        return value

    def _local_block_name(self, name: str) -> str:
        """How diagnostics name the block that declares ``local.name``: ``local "name"`` or ``locals``."""
        for file in self.template.files.values():
            for block in file.body.blocks:
                if block.type == "local" and block.labels == [name]:
                    return f'local "{name}"'
        return "locals"

    def _resolve_data(self, steps: list, rng: Range) -> Any:
        if len(steps) < 2 or not all(isinstance(s, str) for s in steps[:2]):
            raise EvalError(error("Invalid data source reference", "A reference to a data source has the form "
                                  "data.TYPE.NAME.ATTRIBUTE.", rng))
        key = (steps[0], steps[1])
        if key not in self.template.data:
            raise EvalError(error("Reference to undeclared data source",
                                  f'A data source "{key[0]}" "{key[1]}" has not been declared.', rng))
        value = self.data_values.get(key, UNKNOWN)
        return walk_path(value, steps[2:], rng)

    # ------------------------------------------------------------------ templatefile()

    def _render_template(self, text: str, filename: str, variables: dict) -> str:
        from builds.engine.hcl.functions import FunctionError
        from builds.engine.hcl.parser import parse_template

        if self._rendering_template:
            raise FunctionError("templatefile cannot be called from inside a template it renders")
        template, diags = parse_template(text, filename)
        if template is None or diags.has_errors:
            first = diags.errors[0]
            where = f"{filename}:{first.subject.start.line},{first.subject.start.column}" if first.subject else filename
            raise FunctionError(f"{where}: {first.summary}; {first.detail}")
        if not isinstance(variables, dict):
            raise FunctionError("the second argument must be an object of template variables", 1)
        scope = Scope(names=dict(variables), function_context=self.function_context)
        self._rendering_template = True
        try:
            value = evaluate(template, scope)
        except EvalError as exc:
            d = exc.diag
            where = f"{filename}:{d.subject.start.line},{d.subject.start.column}" if d.subject else filename
            raise FunctionError(f"{where}: {d.summary}; {d.detail}") from None
        finally:
            self._rendering_template = False
        if not isinstance(value, str):
            raise FunctionError("the template did not produce a string")
        return value


# --------------------------------------------------------------------------- variable values


def resolve_variables(template: Template, *, env: dict[str, str], var_files: list[tuple[str, ast.File]],
                      cli_vars: list[tuple[str, str]], diags: Diagnostics) -> dict[str, VariableValue]:
    """Give every declared variable its value, by Packer's precedence.

    default < ``PKR_VAR_name`` < ``*.auto.pkrvars.hcl`` (in order) < ``-var-file`` (in order) < ``-var`` (in
    order). Problems (wrong types, failed validations, unset variables, undeclared names) go to ``diags``.
    """
    from builds.engine.hcl.functions import FunctionContext

    values: dict[str, VariableValue] = {}
    # As in Packer, a default may call env() and nothing else, and refer to no variables.
    default_scope = Scope(functions={}, function_context=FunctionContext(cwd=Path.cwd()), resolve=_no_variables,
                          allow_env=True)
    for name, decl in template.variables.items():
        if decl.default is None:
            values[name] = VariableValue(None, "unset", None)
            continue
        try:
            raw = evaluate(decl.default, default_scope)
        except EvalError as exc:
            exc.diag.context = f'variable "{name}"'
            diags.add(exc.diag)
            values[name] = VariableValue(UNKNOWN, "default", decl.default.range)
            continue
        if not decl.type_given and raw is not None and raw != {} and raw != []:
            # As in Packer, a variable without a type takes its default's type, so values from the
            # environment, files and -var are converted to it (and parsed as expressions when complex).
            decl.type = types.type_of(raw)
        values[name] = VariableValue(raw, "default", decl.default.range)

    for key, text in env.items():
        if not key.startswith("PKR_VAR_"):
            continue
        name = key[len("PKR_VAR_"):]
        decl = template.variables.get(name)
        if decl is None:
            continue  # Packer ignores environment values for undeclared variables
        value = _raw_value(text, decl.type, f"<value for var.{name} from environment>", diags)
        if value is not _FAILED:
            values[name] = VariableValue(value, "env", None)

    for _filename, vfile in var_files:
        for block in vfile.body.blocks:
            diags.error("Unexpected block", f'Blocks are not allowed in a variables file; found "{block.type}".',
                        block.def_range)
        for attr in vfile.body.attributes.values():
            decl = template.variables.get(attr.name)
            if decl is None:
                diags.warning("Undefined variable",
                              f'A "{attr.name}" variable was set but was not declared in the template; it is '
                              f'ignored. To declare it, add a variable "{attr.name}" {{}} block to one of your '
                              ".pkr.hcl files.", attr.name_range)
                continue
            try:
                value = evaluate(attr.expr, Scope(functions={}, resolve=_no_variables))
            except EvalError as exc:
                diags.add(exc.diag)
                continue
            values[attr.name] = VariableValue(value, "file", attr.expr.range)

    for name, text in cli_vars:
        decl = template.variables.get(name)
        if decl is None:
            diags.error("Undefined -var variable",
                        f'A "{name}" variable was passed in with -var but was not declared in the template. To '
                        f'declare it, add a variable "{name}" {{}} block to one of your .pkr.hcl files.')
            continue
        value = _raw_value(text, decl.type, f"<value for var.{name} from arguments>", diags)
        if value is not _FAILED:
            values[name] = VariableValue(value, "cli", None)

    for decl in template.variables.values():
        _finish_variable(decl, values, diags)
    return values


_FAILED = object()


def _raw_value(text: str, typ: types.Type, display: str, diags: Diagnostics) -> Any:
    """Interpret a -var or PKR_VAR_ value: literally for primitive types, as an expression otherwise."""
    if typ in (types.STRING, types.NUMBER, types.BOOL, types.ANY):
        return text
    from builds.engine.hcl.parser import parse_expression

    expr, expr_diags = parse_expression(text, display)
    if expr is None or expr_diags.has_errors:
        diags.extend(expr_diags)
        return _FAILED
    try:
        return evaluate(expr, Scope(functions={}, resolve=_no_variables))
    except EvalError as exc:
        diags.add(exc.diag)
        return _FAILED


def _no_variables(root: str, steps: list, rng: Range) -> Any:
    raise EvalError(error("Variables not allowed", "Variables may not be used here.", rng))


def _finish_variable(decl, values: dict[str, VariableValue], diags: Diagnostics) -> None:
    name = decl.name
    current = values[name]
    context = f'variable "{name}"'
    if current.source == "unset":
        diags.error(f"Unset variable \"{name}\"",
                    "A used variable must be set or have a default value; see "
                    "https://packer.io/docs/templates/hcl_templates/syntax for details.", decl.range, context)
        values[name] = VariableValue(UNKNOWN, "unset", None)
        return
    if current.value is UNKNOWN:
        return
    if current.value is None and not decl.nullable:
        diags.error("Invalid value for variable", f'The variable "{name}" is not nullable, but was given a null '
                    "value.", current.range or decl.range, context)
        return
    try:
        converted = types.convert(current.value, decl.type)
    except types.ConversionError as exc:
        where = f" (at {exc.path})" if getattr(exc, "path", "") else ""
        if current.source == "default":
            diags.error("Invalid default value for variable",
                        f"This default value is not compatible with the variable's type constraint{where}: {exc}.",
                        current.range or decl.range, context)
        else:
            diags.error("Invalid value for variable",
                        f'The value for variable "{name}" is not compatible with its type constraint '
                        f"({types.type_str(decl.type)}){where}: {exc}.", current.range or decl.range, context)
        values[name] = VariableValue(UNKNOWN, current.source, current.range)
        return
    values[name] = VariableValue(converted, current.source, current.range)


def check_validations(template: Template, values: dict[str, VariableValue], cwd: Path,
                      diags: Diagnostics) -> None:
    """Evaluate every variable's ``validation`` blocks against its final value."""
    from builds.engine.hcl.functions import FunctionContext

    function_context = FunctionContext(cwd=cwd)
    for name, decl in template.variables.items():
        value = values[name]
        if value.value is UNKNOWN:
            continue
        # A condition sees only the variable it validates (loading reported any other reference).
        scope = Scope(names={"var": {name: value.value}}, function_context=function_context)
        context = f'variable "{name}"'
        for cond, message, rng in decl.validations:
            try:
                ok = evaluate(cond, scope)
            except EvalError as exc:
                exc.diag.context = context
                diags.add(exc.diag)
                continue
            if ok is UNKNOWN:
                continue
            if not isinstance(ok, bool):
                diags.error("Invalid validation result", "The validation condition must produce true or false.",
                            cond.range, context)
                continue
            if ok:
                continue
            text = "The value is not valid."
            if message is not None:
                try:
                    text = str(evaluate(message, scope))
                except EvalError as exc:
                    diags.add(exc.diag)
            diags.error("Invalid value for variable",
                        f"{text}\n\nThis was checked by the validation rule at {rng}.",
                        value.range or decl.range, context)


def process_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment variables relevant to a template (``PKR_VAR_*``)."""
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if k.startswith("PKR_VAR_")}


RESERVED_ROOTS = _RESERVED_ROOTS


def _weak_renderer(context: Context):
    """Return ``context``'s template renderer holding the context weakly.

    A bound method would make the context and its function context a reference
    cycle, so every loaded template would wait, whole, for the cyclic garbage
    collector instead of being freed when its last user drops it.
    """
    owner = weakref.ref(context)

    def render(text: str, filename: str, variables: dict) -> str:
        from builds.engine.hcl.functions import FunctionError

        context = owner()
        if context is None:
            raise FunctionError("templatefile was called after its template was discarded")
        return context._render_template(text, filename, variables)

    return render
