"""The fast read of a watchlist: libyaml's C parser, giving the values the round-trip loader gives.

A 100,000-trial watchlist takes ruamel.yaml's round-trip loader (comments and line numbers kept)
about 4 s to read; libyaml's C parser (PyYAML's ``CSafeLoader``) reads it in about a tenth of that.
``fast_load`` is used first, and only when it can vouch for the result: plain scalars are typed by
ruamel.yaml's own YAML 1.2 rules (``resolver.implicit_resolvers``: ``yes`` and ``on`` stay text,
``true`` is a boolean), and whatever those rules would not make a plain ``str``, ``int``, ``float``,
``bool`` or ``None`` of (dates, ``0o17``, ``1_000``, ``.inf``), every explicit tag, merge key (``<<``),
duplicate key, ``%`` directive, character the round-trip reader refuses, or parse error raises
:class:`Unsure`. The caller then reads the file the round-trip way, which also gives every error
message its line number. The fast read has no line numbers: a watchlist that is wrong, or loads with
warnings (which name lines), is read again the round-trip way (``_load.load_watchlist``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ruamel.yaml.reader import Reader
from ruamel.yaml.resolver import implicit_resolvers

try:  # PyYAML built with libyaml (its wheels are); without it every read is the round-trip one
    from yaml import CSafeLoader, MappingNode, Node, ScalarNode, SequenceNode, YAMLError
except ImportError:  # pragma: no cover - depends on the installation
    CSafeLoader = None

STR, INT, FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
BOOL, NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
SEQ, MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")  # an int whose value int() reads as the round trip does
_FRACTION = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)")  # likewise a float (no '_', no exponent)
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


def _rules() -> dict[str, list[tuple[str, Callable[[str], Any]]]]:
    """ruamel.yaml's YAML 1.2 implicit typing of plain scalars, by first character, in its order
    (each pattern's own ``match``: ruamel wraps its patterns in a lazy proxy, slow to call through)."""
    table: dict[str, list[tuple[str, Callable[[str], Any]]]] = {}
    for versions, tag, regexp, first in implicit_resolvers:
        if (1, 2) in versions:
            for character in first:
                table.setdefault(character, []).append((str(tag), regexp.match))
    return table


_RULES = _rules()


class Unsure(Exception):
    """The fast read cannot vouch for this text: read it the round-trip way."""


# the tags the composer gives what was written without one: only those are read fast (ruamel.yaml
# makes its own objects of tagged values, e.g. a TaggedScalar of `!!str 12`, that no check accepts)
UNTAGGED = "untagged:"

if CSafeLoader is not None:

    class _Loader(CSafeLoader):  # type: ignore[misc, valid-type]
        """libyaml's parser and composer, typing untagged plain scalars by the YAML 1.2 rules (``plain_tag``)."""

        def resolve(self, kind: type, value: str | None, implicit: Any) -> str:
            # called for what has no tag, or the non-specific `!` (a scalar's is read as plain, as both
            # loaders do); once a scalar, so plain_tag is inlined: 100,000 ids are 100,000 calls
            if kind is ScalarNode:
                if implicit[0]:
                    for tag, match in _RULES.get(value[:1], ()):  # type: ignore[index]
                        if match(value):
                            return UNTAGGED + tag
                    return UNTAGGED + STR
                return UNTAGGED + STR if implicit[1] else "!"
            if not implicit:
                return "!"
            return UNTAGGED + (SEQ if kind is SequenceNode else MAP)


def plain_tag(value: str) -> str:
    """The tag the round-trip loader gives a plain (unquoted, untagged) scalar."""
    for tag, match in _RULES.get(value[:1], ()):
        if match(value):
            return tag
    return STR


def fast_load(text: str) -> Any:
    """The watchlist's data as plain dicts, lists and scalars, equal to the round-trip loader's;
    :class:`Unsure` when that cannot be vouched for."""
    return fast_read(text)[0]


def fast_read(text: str) -> tuple[Any, tuple[int, int] | None]:
    """``fast_load``'s data, and where the items of a top-level ``trials:`` list lie in ``text``
    (start, end: from the first item to the end of the last; None when it is no list, or empty)."""
    if CSafeLoader is None or _DIRECTIVE.search(text) or Reader.NON_PRINTABLE.search(text):
        raise Unsure
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except YAMLError:
        raise Unsure from None
    finally:
        loader.dispose()
    if node is None:
        return None, None
    span = None
    if isinstance(node, MappingNode):
        for key, value in node.value:
            trials = isinstance(key, ScalarNode) and key.value == "trials"
            if trials and isinstance(value, SequenceNode) and value.value:
                span = (value.start_mark.index, value.value[-1].end_mark.index)
    try:
        return _value(node, {}), span
    except (RecursionError, ValueError):  # nested deeper than Python recurses; an int of over 4,300 digits
        raise Unsure from None


def _value(node: Node, seen: dict[int, Any]) -> Any:
    """A node's value; ``seen`` holds the collections made so far (an alias is the same object)."""
    if isinstance(node, ScalarNode):
        return _scalar(node.value, node.tag)
    if id(node) in seen:
        if seen[id(node)] is None:  # a collection that contains itself
            raise Unsure
        return seen[id(node)]
    seen[id(node)] = None
    if isinstance(node, SequenceNode) and node.tag == UNTAGGED + SEQ:
        made: Any = [_value(item, seen) for item in node.value]
    elif isinstance(node, MappingNode) and node.tag == UNTAGGED + MAP:
        made = {}
        for key_node, value_node in node.value:
            key = _value(key_node, seen)
            if not isinstance(key, (str, int, float)) or key in made:
                raise Unsure  # a collection as a key, or a duplicate key (an error the round trip words)
            made[key] = _value(value_node, seen)
    else:  # a tag written (!!omap, !!set, !custom …)
        raise Unsure
    seen[id(node)] = made
    return made


def _scalar(value: str, tag: str) -> Any:
    if tag == UNTAGGED + STR:
        return value
    if tag == UNTAGGED + NULL:
        return None
    if tag == UNTAGGED + BOOL:
        return value.lower() == "true"
    if tag == UNTAGGED + INT and _DECIMAL.fullmatch(value):
        return int(value)
    if tag == UNTAGGED + FLOAT and _FRACTION.fullmatch(value):
        return float(value)
    raise Unsure  # a tag written, a date, 0x1f, 1_000, 1e3, .inf, <<: the round trip makes its own types of those
