"""The schema language plugins use to declare the HCL arguments and blocks they accept.

A plugin (builder, provisioner, post-processor, data source, communicator)
declares one :class:`Schema`. ``validate`` checks a block's body against it:
unknown arguments, missing required ones, repeated single blocks and values
that do not convert to the declared type are all reported with positions.

Types are HCL type-constraint strings (``"string"``, ``"list(string)"``,
``"map(string)"``, ``"number"``, ``"bool"``, ``"any"``, ``"object({...})"``),
parsed once by the template language when first needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Attribute:
    """An argument such as ``ami_name = "..."``."""

    type: str = "string"
    required: bool = False
    description: str = ""
    deprecated: str = ""  # when set, using the argument warns with this text
    sensitive: bool = False  # its value is masked in logs and the dashboard


@dataclass(frozen=True, slots=True)
class Block:
    """A nested block such as ``source_ami_filter { ... }``."""

    schema: Schema
    repeated: bool = False  # may appear more than once (``launch_block_device_mappings``)
    required: bool = False
    labels: tuple[str, ...] = ()  # names of the labels the block takes, if any
    description: str = ""


@dataclass(frozen=True, slots=True)
class Schema:
    """The arguments and nested blocks a body accepts."""

    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)
    open: bool = False  # accepts any argument (e.g. ``custom_data``-like free maps)

    def merged(self, *others: Schema) -> Schema:
        """Return a schema with this one's entries plus those of ``others`` (later ones win)."""
        attributes = dict(self.attributes)
        blocks = dict(self.blocks)
        is_open = self.open
        for other in others:
            attributes.update(other.attributes)
            blocks.update(other.blocks)
            is_open = is_open or other.open
        return Schema(attributes, blocks, is_open)

    def without(self, *names: str) -> Schema:
        """Return a copy with the named arguments and blocks removed."""
        return Schema(
            {k: v for k, v in self.attributes.items() if k not in names},
            {k: v for k, v in self.blocks.items() if k not in names},
            self.open,
        )


def attrs(**kwargs: Attribute | str) -> dict[str, Attribute]:
    """Build an attribute map; a bare string is shorthand for an optional attribute of that type."""
    return {name: (a if isinstance(a, Attribute) else Attribute(type=a)) for name, a in kwargs.items()}
