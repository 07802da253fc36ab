"""What the script-running plugins share: template strings, environment variables and exit codes.

``shell``, ``shell-local`` (provisioner and post-processor) and ``ansible``
interpolate their string arguments with the build's generated data
(``{{ .Host }}``, ``{{ .ID }}``) merged into the template data, pass the
environment to scripts as Packer does (``PACKER_BUILD_NAME`` first among
sorted ``KEY='value'`` pairs, single quotes escaped), and judge exit codes
against ``valid_exit_codes`` with Packer's message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from builds.engine.gotemplate import TemplateContext, TemplateError, render
from builds.engine.plugins import PluginContext, ProvisionError
from builds.engine.registry import PACKER_CORE_VERSION

# Packer's communicators report this exit status when the connection dropped before the command ended.
DISCONNECT_EXIT_STATUS = 2300218

# Generated values a builder sets when it has no HTTP server; such values are not passed on.
_HTTP_NOT_IMPLEMENTED = {
    "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER",
    "ERR_HTTP_IP_NOT_IMPLEMENTED_BY_BUILDER",
    "ERR_HTTP_PORT_NOT_IMPLEMENTED_BY_BUILDER",
}
_HTTP_VARIABLES = (("PackerHTTPAddr", "PACKER_HTTP_ADDR"), ("PackerHTTPIP", "PACKER_HTTP_IP"),
                   ("PackerHTTPPort", "PACKER_HTTP_PORT"))


def packer_build_name(context: PluginContext) -> str:
    """The name Packer gives plugins as ``packer_build_name`` (``PACKER_BUILD_NAME``,
    ``{{build_name}}``): the source's name (``web`` in ``source "null" "web"``)."""
    return context.source_name or context.build_name


class Interpolator:
    """Renders a plugin's template strings with the build's generated data merged into their data."""

    def __init__(self, context: PluginContext, generated: Mapping[str, Any] | None = None):
        self.generated = dict(generated or {})
        self.template_context = TemplateContext(
            build_name=packer_build_name(context),
            build_type=context.build_type,
            template_dir=context.template_dir,
            user_variables=context.user_variables,
            packer_version=PACKER_CORE_VERSION,
            generated=self.generated,
        )

    def render(self, text: str, what: str, **data: Any) -> str:
        """Return ``text`` interpolated with the generated data plus ``data``.

        Raises :class:`ProvisionError` naming ``what`` ("inline", "destination") when the
        string is not a valid template.
        """
        try:
            return render(text, {**self.generated, **data}, self.template_context)
        except TemplateError as exc:
            raise ProvisionError(f"Error interpolating {what}: {exc}") from None


def environment_var_problems(entries: Iterable[str]) -> list[str]:
    """Return Packer's complaint for each ``environment_vars`` entry that is not ``KEY=value``."""
    problems = []
    for entry in entries:
        key, sep, _ = entry.partition("=")
        if not sep or not key:
            problems.append(f"Environment variable not in format 'key=value': {entry}")
    return problems


def escape_single_quotes(value: str) -> str:
    """Return ``value`` made safe inside single quotes: each ``'`` becomes ``'"'"'``."""
    return value.replace("'", "'\"'\"'")


def environment(context: PluginContext, generated: Mapping[str, Any], environment_vars: Iterable[str],
                env: Mapping[str, str], interpolator: Interpolator | None = None) -> dict[str, str]:
    """Return the variables a script gets, unescaped, keyed by name: ``PACKER_BUILD_NAME``,
    ``PACKER_BUILDER_TYPE``, the HTTP server's address when the builder has one, then
    ``environment_vars`` and ``env`` (later entries win). Entries are interpolated when an
    ``interpolator`` is given."""
    variables = {"PACKER_BUILD_NAME": packer_build_name(context), "PACKER_BUILDER_TYPE": context.build_type}
    for generated_key, name in _HTTP_VARIABLES:
        value = generated.get(generated_key)
        if value is not None and str(value) not in _HTTP_NOT_IMPLEMENTED:
            variables[name] = str(value)
    for entry in environment_vars:
        if interpolator is not None:
            entry = interpolator.render(entry, "environment_vars")
        key, _, value = entry.partition("=")
        variables[key] = value
    for key, value in env.items():
        variables[key] = interpolator.render(value, "env") if interpolator is not None else value
    return variables


def flatten_environment(variables: Mapping[str, str], env_var_format: str) -> str:
    """Return the variables in sorted order, each written with ``env_var_format`` (a Go format with
    two ``%s``, like Packer's ``"%s='%s' "``) and its value's single quotes escaped."""
    return "".join(go_sprintf(env_var_format, key, escape_single_quotes(variables[key]))
                   for key in sorted(variables))


_VERB = re.compile(r"%(?:%|[-+# 0]*\d*(?:\.\d+)?([a-zA-Z]))")


def go_sprintf(layout: str, *args: str) -> str:
    """Format string arguments as Go's ``fmt.Sprintf`` does for ``%s``, ``%v``, ``%q`` and ``%%``;
    missing and extra arguments are marked the way Go marks them."""
    remaining = list(args)
    out: list[str] = []
    pos = 0
    for match in _VERB.finditer(layout):
        out.append(layout[pos:match.start()])
        pos = match.end()
        verb = match.group(1)
        if verb is None:
            out.append("%")
        elif not remaining:
            out.append(f"%!{verb}(MISSING)")
        else:
            value = remaining.pop(0)
            if verb == "q":
                out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
            elif verb in ("s", "v"):
                out.append(value)
            else:
                out.append(f"%!{verb}(string={value})")
    out.append(layout[pos:])
    if remaining:
        out.append("%!(EXTRA " + ", ".join(f"string={value}" for value in remaining) + ")")
    return "".join(out)


def exit_codes(config: Mapping[str, Any]) -> list[int]:
    """Return the allowed exit codes of a config (``valid_exit_codes``, default ``[0]``)."""
    codes = config.get("valid_exit_codes") or [0]
    return [int(code) for code in codes]


def check_exit_code(status: int, allowed: list[int]) -> None:
    """Raise :class:`ProvisionError` with Packer's message unless ``status`` is allowed."""
    if status not in allowed:
        listed = " ".join(str(code) for code in allowed)
        raise ProvisionError(f"Script exited with non-zero exit status: {status}. "
                             f"Allowed exit codes are: [{listed}]")
