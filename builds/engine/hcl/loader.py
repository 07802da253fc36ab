"""Finding and parsing a template's files, and decoding their blocks into a :class:`Template`.

A path is a single ``.pkr.hcl`` (or ``.pkr.json``) file or a directory; a
directory contributes every ``*.pkr.hcl``/``*.pkr.json`` in it and its
``*.auto.pkrvars.hcl``/``*.auto.pkrvars.json`` files, as Packer does.
"""

from __future__ import annotations

import os
from pathlib import Path

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Diagnostics, Pos, Range
from builds.engine.hcl.parser import parse
from builds.engine.hcl.template import DataDecl, LocalDecl, SourceDecl, Template, VariableDecl
from builds.engine.hcl.typeexpr import type_from_expr

MAX_FILE_BYTES = 8 * 1024 * 1024
TEMPLATE_SUFFIXES = (".pkr.hcl", ".pkr.json")
VARFILE_SUFFIXES = (".pkrvars.hcl", ".pkrvars.json")
AUTO_VARFILE_SUFFIXES = (".auto.pkrvars.hcl", ".auto.pkrvars.json")

_TOP_LEVEL = {
    "packer": (),
    "variable": ("name",),
    "variables": (),
    "locals": (),
    "local": ("name",),
    "data": ("type", "name"),
    "source": ("type", "name"),
    "build": (),
    "hcp_packer_registry": (),
    "communicator": ("type", "name"),
}
_VARIABLE_ATTRS = {"type", "default", "description", "sensitive", "nullable"}


def template_files(path: Path) -> tuple[list[Path], list[Path], Diagnostics]:
    """Return the template files and the auto-loaded variable files for ``path``."""
    diags = Diagnostics()
    if path.is_dir():
        entries = sorted(p for p in path.iterdir() if p.is_file())
        files = [p for p in entries if p.name.endswith(TEMPLATE_SUFFIXES)]
        auto = [p for p in entries if p.name.endswith(AUTO_VARFILE_SUFFIXES)]
        if not files:
            diags.error("Could not find any config file in " + str(path),
                        "A config file must be suffixed with `.pkr.hcl` or `.pkr.json`. A folder can be "
                        "referenced.")
        return files, auto, diags
    if path.is_file():
        if path.name.endswith(VARFILE_SUFFIXES):
            diags.error(f"{path} is a variables file",
                        "Pass a template file or directory; variable files are given with -var-file.")
            return [], [], diags
        if path.name.endswith(".json") and not path.name.endswith(".pkr.json"):
            # Packer reads such a file in its legacy JSON format ("builders", "provisioners"), never as HCL2.
            diags.error("Legacy JSON template",
                        f"{path} is read by Packer in its older JSON format, which ImageHub does not read. "
                        f"Convert it to HCL2 with `packer hcl2_upgrade {path.name}`, or, if it is HCL2 written "
                        "in JSON syntax, name it with the suffix .pkr.json.")
            return [], [], diags
        return [path], [], diags
    diags.error("Failed to read template", f"{path}: no such file or directory.")
    return [], [], diags


def read_source(path: Path, display: str, diags: Diagnostics) -> str | None:
    """Read a file as UTF-8 text, reporting unreadable, oversized or non-UTF-8 files."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            diags.error("File too large", f"{display} is {size} bytes; ImageHub reads templates of at most "
                        f"{MAX_FILE_BYTES} bytes.", _file_range(display))
            return None
        data = path.read_bytes()
    except OSError as exc:
        diags.error("Failed to read file", f"The file {display} could not be read: {exc.strerror}.")
        return None
    return decode_text(data, display, diags)


def decode_text(data: bytes, display: str, diags: Diagnostics) -> str | None:
    """Decode template bytes as UTF-8, reporting the position of the first invalid byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        pos = Pos(line, column, exc.start)
        diags.error("Invalid character encoding",
                    "All input files must be UTF-8 encoded. Ensure that UTF-8 encoding is selected in your "
                    "editor.", Range(display, pos, Pos(line, column + 1, exc.start + 1)))
        return None


def _file_range(display: str) -> Range:
    return Range(display, Pos(1, 1, 0), Pos(1, 1, 0))


def parse_file(path: Path, display: str, diags: Diagnostics) -> ast.File | None:
    """Parse one ``.pkr.hcl`` or ``.pkr.json`` file; syntax problems go to ``diags``."""
    text = read_source(path, display, diags)
    if text is None:
        return None
    return parse_text(text, display, diags)


def parse_text(text: str, display: str, diags: Diagnostics) -> ast.File:
    if display.endswith(".json"):
        from builds.engine.hcl.jsonsyntax import parse_json

        tree, file_diags = parse_json(text, display)
    else:
        tree, file_diags = parse(text, display)
    diags.extend(file_diags)
    return tree


def display_name(given: str | os.PathLike, name: str | None = None) -> str:
    """Name a file as packer 1.6.6 does in messages: the path as given (``./t.pkr.hcl``, ``/abs/t.pkr.hcl``),
    or for the file ``name`` found in the directory given, the two joined and cleaned as Go's
    ``filepath.Join`` does (``./tpl/`` and ``a.pkr.hcl`` give ``tpl/a.pkr.hcl``)."""
    given = os.fspath(given)
    if name is None:
        return given
    joined = os.path.normpath(os.path.join(given, name))
    return joined[1:] if joined.startswith("//") else joined  # Go keeps a single leading slash


def decode(files: list[ast.File], root: Path, diags: Diagnostics) -> Template:
    """Decode parsed files into a :class:`Template`, reporting structural problems."""
    tpl = Template(root=root)
    for f in files:
        tpl.files[f.filename] = f
        _decode_top_attributes(f.body, diags)
        for block in f.body.blocks:
            expected = _TOP_LEVEL.get(block.type)
            if expected is None:
                diags.error("Unsupported block type", f'Blocks of type "{block.type}" are not expected here.'
                            + _suggest(block.type, _TOP_LEVEL), block.type_range)
                continue
            if not _check_labels(block, expected, diags):
                continue
            _DECODERS[block.type](tpl, block, diags)
    return tpl


def _decode_top_attributes(body: ast.Body, diags: Diagnostics) -> None:
    for attr in body.attributes.values():
        diags.error("Unsupported argument", f'An argument named "{attr.name}" is not expected here.',
                    attr.name_range)


def _check_labels(block: ast.Block, expected: tuple[str, ...], diags: Diagnostics) -> bool:
    if len(block.labels) == len(expected):
        return True
    if len(block.labels) < len(expected):
        names = ", ".join(expected)
        diags.error(f"Missing {expected[len(block.labels)]} for {block.type}",
                    f"All {block.type} blocks must have {len(expected)} labels ({names}).", block.def_range)
    else:
        extra = block.label_ranges[len(expected)]
        if expected:
            diags.error(f"Extraneous label for {block.type}",
                        f"Only {len(expected)} labels ({', '.join(expected)}) are expected for {block.type} "
                        "blocks.", extra)
        else:
            diags.error(f"Extraneous label for {block.type}", f"No labels are expected for {block.type} blocks.",
                        extra)
    return False


def _suggest(name: str, options) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.7)
    return f' Did you mean "{close[0]}"?' if close else ""


def _unsupported_attrs(body: ast.Body, allowed: set[str], diags: Diagnostics, context: str = "") -> None:
    for attr in body.attributes.values():
        if attr.name not in allowed:
            diags.error("Unsupported argument", f'An argument named "{attr.name}" is not expected here.'
                        + _suggest(attr.name, allowed), attr.name_range, context)


def _unsupported_blocks(body: ast.Body, allowed: set[str], diags: Diagnostics, context: str = "") -> None:
    for block in body.blocks:
        if block.type not in allowed:
            diags.error("Unsupported block type", f'Blocks of type "{block.type}" are not expected here.'
                        + _suggest(block.type, allowed), block.type_range, context)


def _literal_string(attr: ast.Attribute, diags: Diagnostics, context: str = "") -> str:
    expr = attr.expr
    if isinstance(expr, ast.Template) and expr.is_literal:
        return expr.literal_text()
    diags.error("Invalid value", f'The "{attr.name}" argument must be a literal string; variables and other '
                "expressions are not allowed here.", expr.range, context)
    return ""


def _literal_bool(attr: ast.Attribute, diags: Diagnostics, context: str = "") -> bool:
    expr = attr.expr
    if isinstance(expr, ast.Literal) and isinstance(expr.value, bool):
        return expr.value
    diags.error("Invalid value", f'The "{attr.name}" argument must be true or false, without expressions.',
                expr.range, context)
    return False


# --------------------------------------------------------------------------- top-level blocks


def _decode_packer(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    context = "packer"
    _unsupported_attrs(block.body, {"required_version"}, diags, context)
    _unsupported_blocks(block.body, {"required_plugins"}, diags, context)
    tpl.packer_blocks.append(block)


def _decode_variable(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    name = block.labels[0]
    context = f'variable "{name}"'
    if not _valid_name(name):
        diags.error("Invalid variable name", "A name must start with a letter or underscore and may contain only "
                    "letters, digits, underscores, and dashes.", block.label_ranges[0])
        return
    body = block.body
    _unsupported_attrs(body, _VARIABLE_ATTRS, diags, context)
    _unsupported_blocks(body, {"validation"}, diags, context)
    decl = VariableDecl(name, block.def_range)
    attrs = body.attributes
    if "type" in attrs:
        from builds.engine.hcl.evaluate import EvalError

        try:
            decl.type = type_from_expr(attrs["type"].expr)
            decl.type_given = True
        except EvalError as exc:
            exc.diag.context = context
            diags.add(exc.diag)
    if "default" in attrs:
        decl.default = attrs["default"].expr
    if "description" in attrs:
        decl.description = _literal_string(attrs["description"], diags, context)
    if "sensitive" in attrs:
        decl.sensitive = _literal_bool(attrs["sensitive"], diags, context)
    if "nullable" in attrs:
        decl.nullable = _literal_bool(attrs["nullable"], diags, context)
    for vblock in body.blocks_of("validation"):
        _unsupported_attrs(vblock.body, {"condition", "error_message"}, diags, context)
        cond = vblock.body.attributes.get("condition")
        message = vblock.body.attributes.get("error_message")
        if cond is None:
            diags.error("Missing required argument",
                        'The argument "condition" is required, but no definition was found.', vblock.def_range,
                        context)
            continue
        if message is None:
            diags.error("Missing required argument",
                        'The argument "error_message" is required, but no definition was found.',
                        vblock.def_range, context)
        else:
            _check_error_message(message, diags, context)
        if _check_condition_refs(name, cond.expr, diags, context):
            decl.validations.append((cond.expr, message.expr if message else None, vblock.def_range))
    _add_variable(tpl, decl, diags)


def _check_condition_refs(name: str, expr: ast.Expr, diags: Diagnostics, context: str) -> bool:
    """Report references other than ``var.<name>`` in a validation condition, as Packer does."""
    bound = {n for node in ast.walk(expr) if isinstance(node, ast.ForExpr)
             for n in (node.key_var, node.value_var) if n}
    ok = True
    good = 0
    for root, steps, rng in sorted(ast.references(expr), key=lambda ref: ref[2].start.byte):
        if root in bound:
            continue
        if root == "var" and steps and steps[0] == name:
            good += 1
            continue
        ok = False
        diags.error("Invalid reference in variable validation", f'The condition for variable "{name}" can only '
                    f"refer to the variable itself, using var.{name}.", rng, context)
    if not good:
        ok = False
        diags.error("Invalid variable validation condition", f'The condition for variable "{name}" must refer to '
                    f"var.{name} in order to test incoming values.", expr.range, context)
    return ok


def _check_error_message(attr: ast.Attribute, diags: Diagnostics, context: str) -> None:
    """An error message is a literal string of whole sentences: capitalised, ending with . ? or !."""
    errors_before = len(diags.errors)
    text = _literal_string(attr, diags, context).strip()
    if len(diags.errors) != errors_before:
        return
    if not text:
        diags.error("Invalid validation error message", "An empty string is not a valid nor useful error message.",
                    attr.expr.range, context)
    elif (text[0].isalpha() and not text[0].isupper()) or text[-1] not in ".?!":
        diags.error("Invalid validation error message",
                    "Validation error message must be at least one full sentence starting with an uppercase letter "
                    "( if the alphabet permits it ) and ending with a period or question mark.", attr.expr.range,
                    context)


def _add_variable(tpl: Template, decl: VariableDecl, diags: Diagnostics) -> None:
    prior = tpl.variables.get(decl.name)
    if prior is not None:
        diags.error("Duplicate variable", f'Duplicate "{decl.name}" variable definition found; the first was '
                    f"at {prior.range}.", decl.range)
        return
    tpl.variables[decl.name] = decl


def _decode_variables(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    _unsupported_blocks(block.body, set(), diags, "variables")
    for attr in block.body.attributes.values():
        _add_variable(tpl, VariableDecl(attr.name, attr.name_range, default=attr.expr), diags)


def _decode_locals(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    _unsupported_blocks(block.body, set(), diags, "locals")
    for attr in block.body.attributes.values():
        _add_local(tpl, LocalDecl(attr.name, attr.expr, attr.name_range), diags)


def _decode_local(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    name = block.labels[0]
    context = f'local "{name}"'
    _unsupported_attrs(block.body, {"expression", "sensitive"}, diags, context)
    _unsupported_blocks(block.body, set(), diags, context)
    expr = block.body.attributes.get("expression")
    if expr is None:
        diags.error("Missing required argument", 'The argument "expression" is required, but no definition was '
                    "found.", block.def_range, context)
        return
    sensitive = block.body.attributes.get("sensitive")
    _add_local(tpl, LocalDecl(name, expr.expr, block.def_range,
                              _literal_bool(sensitive, diags, context) if sensitive else False), diags)


def _add_local(tpl: Template, decl: LocalDecl, diags: Diagnostics) -> None:
    prior = tpl.locals.get(decl.name)
    if prior is not None:
        diags.error("Duplicate local definition", f'Duplicate "{decl.name}" local definition found; the first '
                    f"was at {prior.range}.", decl.range)
        return
    tpl.locals[decl.name] = decl


def _decode_data(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    key = (block.labels[0], block.labels[1])
    prior = tpl.data.get(key)
    if prior is not None:
        diags.error("Duplicate data block", f"This data block has the same data type and name as a previous "
                    f"block at {prior.block.def_range}; each data source must have a unique name per type.",
                    block.def_range)
        return
    tpl.data[key] = DataDecl(key[0], key[1], block)


def _decode_source(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    key = (block.labels[0], block.labels[1])
    prior = tpl.sources.get(key)
    if prior is not None:
        diags.error("Duplicate source block", f"This source block has the same builder type and name as a "
                    f"previous block at {prior.block.def_range}; each source must have a unique name per builder "
                    "type.", block.def_range)
        return
    tpl.sources[key] = SourceDecl(key[0], key[1], block)


def _decode_build(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    # Builds may use variables in their name and sources and may hold dynamic blocks, so they are decoded
    # once variables are known (see build_block.py).
    tpl.build_blocks.append(block)


def _decode_hcp_packer_registry(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    earlier = [b for f in tpl.files.values() for b in f.body.blocks if b.type == block.type]
    if earlier and earlier[0] is not block:
        diags.error("Duplicate hcp_packer_registry block", "Only one hcp_packer_registry block is allowed; "
                    f"another was defined at {earlier[0].def_range}.", block.def_range)
        return
    diags.warning("HCP Packer registry not used",
                  "ImageHub keeps its own image registry; the hcp_packer_registry block is read (bucket name, "
                  "labels) but nothing is sent to HCP Packer.", block.def_range)


def _decode_communicator(tpl: Template, block: ast.Block, diags: Diagnostics) -> None:
    diags.warning("Communicator block ignored",
                  "Packer accepts top-level communicator blocks but does not use them, and neither does ImageHub. "
                  "Set the communicator's arguments (ssh_username, winrm_password, ...) in the source block "
                  "instead.", block.def_range)


def _valid_name(name: str) -> bool:
    return bool(name) and (name[0].isalpha() or name[0] == "_") and all(
        c.isalnum() or c in "_-" for c in name)


_DECODERS = {
    "packer": _decode_packer,
    "variable": _decode_variable,
    "variables": _decode_variables,
    "locals": _decode_locals,
    "local": _decode_local,
    "data": _decode_data,
    "source": _decode_source,
    "build": _decode_build,
    "hcp_packer_registry": _decode_hcp_packer_registry,
    "communicator": _decode_communicator,
}
