"""Strict YAML loading for the authored files: safe, and no duplicate keys.

``yaml.safe_load`` silently keeps the last of two equal keys, which would let a
typo in an authored measure file override a rate unnoticed. This loader refuses
them. ISO dates (``2018-07-06``) load as ``datetime.date``.

It is also bounded, for authored files and for the scenarios and rule files users
give alike: aliases (``*name``) are refused (a kilobyte of nested aliases, "billion
laughs", would otherwise expand to gigabytes), nesting is capped at ``MAX_DEPTH``
levels and a file at ``MAX_BYTES``; the text must be UTF-8.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import SourceError, TradewarError

MAX_DEPTH = 64
MAX_BYTES = 20_000_000


class _DuplicateKey(yaml.MarkedYAMLError):
    """A mapping has the same key twice."""


class _Refused(yaml.MarkedYAMLError):
    """An alias, or nesting deeper than ``MAX_DEPTH``."""


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that rejects duplicate mapping keys, aliases and deep nesting."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(problem="aliases (*name) are not allowed", problem_mark=event.start_mark)
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if getattr(event, "anchor", None):
                raise _Refused(
                    problem="anchors (&name) are not allowed", problem_mark=event.start_mark
                )
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    problem=f"nested deeper than {MAX_DEPTH} levels", problem_mark=event.start_mark
                )
            try:
                return super().compose_node(parent, index)  # type: ignore[no-any-return]
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)  # type: ignore[no-any-return]

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # merged keys may be overridden explicitly
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:  # unhashable key: SafeLoader reports it below
                    continue
                if duplicate:
                    first = seen[key].start_mark.line + 1
                    raise _DuplicateKey(
                        problem=f"duplicate key {key!r} (first at line {first})",
                        problem_mark=key_node.start_mark,
                    )
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]


def _timestamp(loader: _StrictLoader, node: yaml.Node) -> Any:
    """A YAML date; an impossible one (``2019-02-30``) is an error naming its line."""
    try:
        return loader.construct_yaml_timestamp(node)  # type: ignore[arg-type]
    except (ValueError, OverflowError) as exc:
        raise _Refused(
            problem=f"{node.value!r} is not a date ({exc})", problem_mark=node.start_mark
        ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load_yaml(path: Path) -> Any:
    """Load ``path``; raise ``SourceError`` naming the file and line on any problem."""
    return _compose(Path(path))[0]


def load_yaml_lines(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Load ``path`` like ``load_yaml`` and also return where each value starts.

    The second item maps a path of keys and list indexes (``("changes", 0, "rate")``)
    to the 1-based line of that key (for a mapping entry) or item (for a list entry);
    ``()`` is the document itself. Validation errors can then name the line.
    """
    data, node = _compose(Path(path))
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _mark_lines(node, (), node.start_mark.line + 1, lines)
    return data, lines


def _compose(path: Path) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node tree, or a ``SourceError`` naming file and line."""
    from ..guards import read_text

    try:
        text = read_text(path, "file", MAX_BYTES)
    except TradewarError as exc:
        raise SourceError(str(exc)) from None
    try:
        loader = _StrictLoader(text)  # the reader refuses control characters here
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise SourceError(f"{where}: invalid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a value no type can hold
        raise SourceError(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, node


def _mark_lines(
    node: yaml.Node, where: tuple[Any, ...], line: int, lines: dict[tuple[Any, ...], int]
) -> None:
    lines[where] = line
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _mark_lines(value_node, (*where, key), key_node.start_mark.line + 1, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _mark_lines(item, (*where, index), item.start_mark.line + 1, lines)
