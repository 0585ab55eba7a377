"""What a program asks of a board, read from its syntax tree: the modules it imports (and
whether a failed import is handled) and the ``board`` names it uses."""

from __future__ import annotations

import ast
from dataclasses import dataclass

#: exceptions whose handler makes an import optional (``try: import x / except ImportError``)
_CATCHES_IMPORT = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


@dataclass(frozen=True)
class Use:
    """A module imported, or a ``board`` name used, at a line and column."""

    name: str
    line: int
    column: int
    optional: bool = False  # an import inside ``try`` that handles ImportError


def _handles_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(k, ast.Name) and k.id in _CATCHES_IMPORT for k in kinds):
            return True
    return False


class _Reader(ast.NodeVisitor):
    def __init__(self) -> None:
        self.imports: list[Use] = []
        self.board_names: list[Use] = []
        self.board_aliases: set[str] = set()
        self._optional = 0

    def visit_Try(self, node: ast.Try) -> None:
        optional = _handles_import_error(node)
        self._optional += optional
        for statement in node.body:
            self.visit(statement)
        self._optional -= optional
        for part in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(part)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add_import(alias.name, node)
            if alias.name == "board":
                self.board_aliases.add(alias.asname or "board")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return  # relative imports are the program's own files
        self._add_import(node.module, node)
        if node.module == "board":
            for alias in node.names:
                if alias.name != "*":
                    self.board_names.append(Use(alias.name, node.lineno, node.col_offset))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and node.value.id in self.board_aliases:
            self.board_names.append(Use(node.attr, node.lineno, node.col_offset))
        self.generic_visit(node)

    def _add_import(self, dotted: str, node: ast.stmt) -> None:
        top = dotted.split(".")[0]
        self.imports.append(Use(top, node.lineno, node.col_offset, self._optional > 0))


def read_program(tree: ast.Module) -> tuple[list[Use], list[Use]]:
    """(imports, board names used) of a parsed program, in source order."""
    reader = _Reader()
    reader.visit(tree)
    return reader.imports, reader.board_names
