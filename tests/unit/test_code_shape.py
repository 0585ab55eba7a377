"""House rules a reviewer should not have to check by hand.

* No function longer than ``MAX_LINES`` (not counting its docstring) unless a comment right above
  it (``# Long: why``) says why it stays in one piece.
* McCabe complexity is checked by ruff (``C901``, max 15, in ``.ci/run``); a function allowed to be
  more complex carries ``# noqa: C901`` and, right above it, ``# Complex: why``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = ("core", "shared-bindings", "ports")
MAX_LINES = 60


def _sources() -> Iterator[Path]:
    for root in SOURCE_ROOTS:
        yield from sorted((ROOT / root).rglob("*.py"))


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _comment_above(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The comment block directly above a function (above its decorators)."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    block: list[str] = []
    index = first - 1
    while index >= 0 and lines[index].strip().startswith("#"):
        block.insert(0, lines[index].strip())
        index -= 1
    return "\n".join(block)


def _length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of code, not counting the docstring (the bindings' docstrings are the API docs)."""
    length = (node.end_lineno or node.lineno) - node.lineno + 1
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        length -= (first.end_lineno or first.lineno) - first.lineno + 1
    return length


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def test_long_functions_say_why():
    offenders = []
    for path in _sources():
        text = path.read_text()
        lines = text.splitlines()
        for node in _functions(ast.parse(text)):
            length = _length(node)
            if length > MAX_LINES and "# Long:" not in _comment_above(lines, node):
                offenders.append(f"{_where(path, node)} {node.name}() is {length} lines")
    assert not offenders, "split these, or say why above them (# Long: ...):\n" + "\n".join(
        offenders
    )


def test_complex_functions_say_why():
    offenders = []
    for path in _sources():
        text = path.read_text()
        lines = text.splitlines()
        for node in _functions(ast.parse(text)):
            if "noqa: C901" in lines[node.lineno - 1] and "# Complex:" not in _comment_above(
                lines, node
            ):
                offenders.append(f"{_where(path, node)} {node.name}()")
    assert not offenders, "say why above them (# Complex: ...):\n" + "\n".join(offenders)
