"""Every argument and block real templates give a registered plugin is declared by its schema.

Reads the shared corpus of real templates (``IMAGEHUB_CORPUS``, by default
``../shared/corpus`` next to the repository) with python-hcl2 and checks each
``source``, ``provisioner``, ``post-processor`` and ``data`` block of a
registered type, including ``dynamic`` blocks and the ``source`` blocks inside
``build``, against the registry's schema.
"""

from functools import cache

import hcl2
import pytest

from builds.engine import registry
from tests.corpus import CORPUS, require_corpus

pytestmark = pytest.mark.corpus


# Packer's hcl2template test data is written against mock plugins registered
# under real type names ("amazon-ebs" with arguments "string", "nested"...).
MOCK_PLUGIN_FIXTURES = "hcl2template__testdata__"

# Files that are not valid HCL on purpose.
MALFORMED = {
    "018_unknowntpo_playground-2022_docker-ubuntu.pkr.hcl",  # a stray markdown line
    "command__test-fixtures__fmt_errs__malformed.pkr.hcl",
}

# Arguments real files give that current Packer rejects too: (file, kind, type, path).
KNOWN_INVALID = {
    # An inspect fixture: `packer inspect` never decodes provisioner bodies; the
    # shell provisioner has no `files` argument.
    ("command__test-fixtures__hcl__inspect__aws-builds.pkr.hcl", "provisioner", "shell", "files"),
}

LANGUAGE_LEVEL = {
    "builder": {"name"},  # only inside build { source "..." { } }
    "data": set(),
    "provisioner": {
        "name",
        "only",
        "except",
        "pause_before",
        "max_retries",
        "timeout",
        "continue_on_error",
        "override",
    },
    "post-processor": {"name", "only", "except", "keep_input_artifact"},
}


def _template_files():
    if not CORPUS.is_dir():
        return []
    files = sorted((CORPUS / "templates").glob("*.pkr.hcl"))
    files += sorted((CORPUS / "packer-fixtures").glob("*.pkr.hcl"))
    return [f for f in files if not f.name.startswith(MOCK_PLUGIN_FIXTURES)]


def _label(text):
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _is_block_list(value):
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and item.get("__is_block__") for item in value)
    )


def _plugin_blocks(document):
    """Yield (kind, type name, body) for each plugin block of a parsed file."""
    for kind, block_type in (("builder", "source"), ("data", "data")):
        for entry in document.get(block_type, []):
            for type_name, named in entry.items():
                for body in named.values():
                    yield kind, _label(type_name), body
    for build in document.get("build", []):
        for entry in build.get("source", []):
            for reference, body in entry.items():
                parts = _label(reference).split(".")
                if parts[0] == "source":
                    parts = parts[1:]
                yield "builder", parts[0], body
        for entry in build.get("provisioner", []):
            for type_name, body in entry.items():
                yield "provisioner", _label(type_name), body
        post_processors = list(build.get("post-processor", []))
        for chain in build.get("post-processors", []):
            post_processors += chain.get("post-processor", [])
        for entry in post_processors:
            for type_name, body in entry.items():
                yield "post-processor", _label(type_name), body


def _undeclared(body, schema, path, skip=frozenset()):
    """Return "path (what)" for each name in ``body`` the schema does not declare as used."""
    problems = []
    for name, value in body.items():
        if name.startswith("__") or name in skip:
            continue  # python-hcl2 bookkeeping (__is_block__, comments) or language-level
        if name == "dynamic":
            for entry in value:
                for label, dynamic in entry.items():
                    contents = dynamic.get("content", [])
                    problems += _undeclared_block(_label(label), contents, schema, path)
        elif _is_block_list(value):
            problems += _undeclared_block(name, value, schema, path)
        elif name not in schema.attributes:
            what = "a block, used as an argument" if name in schema.blocks else "argument"
            problems.append(f"{path}{name} ({what})")
    return problems


def _undeclared_block(name, bodies, schema, path):
    if name not in schema.blocks:
        what = "an argument, used as a block" if name in schema.attributes else "block"
        return [f"{path}{name} ({what})"]
    problems = []
    for body in bodies:
        problems += _undeclared(body, schema.blocks[name].schema, f"{path}{name}.")
    return problems


@cache
def _parse(path):
    """Return the parsed file, or None when python-hcl2 cannot parse it."""
    try:
        return hcl2.loads(path.read_text(encoding="utf-8"))
    except Exception:  # python-hcl2 raises lark errors of several kinds
        return None


def _check_file(path):
    document = _parse(path)
    if document is None:
        assert path.name in MALFORMED, f"{path.name} no longer parses"
        return [], 0
    assert path.name not in MALFORMED, f"{path.name} parses now; drop it from MALFORMED"
    problems, checked = [], 0
    for kind, type_name, body in _plugin_blocks(document):
        spec = registry.lookup(kind, type_name)
        if spec is None:
            continue
        checked += 1
        for problem in _undeclared(body, spec.schema, "", LANGUAGE_LEVEL[kind]):
            if (path.name, kind, type_name, problem.split(" ")[0]) not in KNOWN_INVALID:
                problems.append(f"{kind} {type_name}: {problem}")
    return problems, checked


FILES = _template_files()


@pytest.mark.parametrize("path", FILES or [None], ids=lambda p: p.name if p else "corpus")
def test_schemas_declare_every_argument_real_templates_use(path):
    if path is None:
        require_corpus("templates", "packer-fixtures")
    problems, _ = _check_file(path)
    assert problems == []


def test_corpus_exercises_most_registered_plugins():
    if not FILES:
        require_corpus("templates", "packer-fixtures")
    seen = set()
    checked = 0
    for path in FILES:
        for kind, type_name, _ in _plugin_blocks(_parse(path) or {}):
            if registry.lookup(kind, type_name) is not None:
                seen.add((kind, type_name))
                checked += 1
    assert checked >= 200
    assert {
        ("builder", "amazon-ebs"),
        ("builder", "docker"),
        ("builder", "null"),
        ("builder", "file"),
        ("provisioner", "shell"),
        ("provisioner", "file"),
        ("provisioner", "ansible"),
        ("post-processor", "manifest"),
        ("post-processor", "docker-tag"),
        ("data", "amazon-ami"),
    } <= seen


def test_the_check_reports_undeclared_names_and_misused_blocks():
    schema = registry.lookup("builder", "amazon-ebs").schema
    body = hcl2.loads(
        'source "amazon-ebs" "x" {\n'
        '  ami_name = "a"\n'
        '  ami_nmae = "typo"\n'
        '  tags { a = "b" }\n'
        '  launch_block_device_mappings { device_name = "/dev/sda1"\n volume_sise = 8 }\n'
        '  dynamic "run_tag" {\n'
        "    for_each = {}\n"
        "    content { key = 1\n kee = 2 }\n"
        "  }\n"
        "}\n"
    )["source"][0]['"amazon-ebs"']['"x"']
    assert sorted(_undeclared(body, schema, "")) == [
        "ami_nmae (argument)",
        "launch_block_device_mappings.volume_sise (argument)",
        "run_tag.kee (argument)",
        "tags (an argument, used as a block)",
    ]
