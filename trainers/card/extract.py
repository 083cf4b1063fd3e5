"""Looplab's own code, cut into the pieces a card holds, with everything those pieces need.

A card must not drift from the engine, so the code in it is Looplab's code. This module reads
a module's source text (without importing it: writing a card loads no TensorFlow), finds a
top-level definition or a method by name, and follows the names it uses to the definitions it
needs, in that module or in the `trainers` module it imports them from. References through a
module (`datasets.load_dataset`) become plain names, and names from outside Looplab (numpy,
keras, the standard library) become the import lines the card needs at its top.
"""

from __future__ import annotations

import ast
import graphlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "trainers"
# Decorators that matter only inside Looplab: its caches, its seed plumbing, its registry.
_LOOPLAB_DECORATORS = ("functools.", "seed_free", "keras.saving.")


@dataclass(frozen=True, order=True)
class Import:
    """One name a card imports from outside Looplab.

    `import module as alias`, or `from module import name as alias`; `name` and `alias` are
    empty where the statement has none.
    """

    module: str
    name: str = ""
    alias: str = ""


@dataclass(frozen=True)
class Piece:
    """One definition copied from Looplab's source."""

    module: str
    name: str
    line: int
    text: str


def _is_looplab(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _path_of(module: str) -> Path | None:
    """The source file of a Looplab module, found without importing anything."""
    root = Path(importlib.util.find_spec(PACKAGE).origin).parent
    path = root.joinpath(*module.split(".")[1:])
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


class ModuleCode:
    """One module's source, parsed: its top-level definitions and what its imports bind."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.text = _path_of(module).read_text()
        self.lines = self.text.splitlines()
        self.tree = ast.parse(self.text)
        self.definitions: dict[str, ast.stmt] = {}
        self.imports: dict[str, Import] = {}
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                self.definitions[node.name] = node
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.definitions[target.id] = node
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.partition(".")[0]
                    self.imports[bound] = Import(alias.name, "", alias.asname or "")
            elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
                for alias in node.names:
                    bound = alias.asname or alias.name
                    self.imports[bound] = Import(node.module, alias.name, alias.asname or "")

    @property
    def docstring(self) -> str:
        return ast.get_docstring(self.tree) or ""

    def looplab_module(self, name: str) -> str | None:
        """The Looplab module a bound name stands for (`from trainers import datasets`)."""
        bound = self.imports.get(name)
        if bound is None or not _is_looplab(bound.module):
            return None
        full = f"{bound.module}.{bound.name}" if bound.name else bound.module
        return full if _path_of(full) is not None else None

    def method(self, class_name: str, name: str) -> ast.FunctionDef:
        for node in self.definitions[class_name].body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return node
        raise LookupError(f"{self.module}.{class_name} has no method {name!r}")


@dataclass
class Collector:
    """Gathers Looplab definitions with all they need, and the imports from outside.

    Args:
        provided: names the card defines itself, never copied from Looplab (its stand-ins).
    """

    provided: set[str] = field(default_factory=set)
    pieces: dict[tuple[str, str], Piece] = field(default_factory=dict)
    sections: dict[tuple[str, str], str] = field(default_factory=dict)
    imports: set[Import] = field(default_factory=set)
    _needs: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)
    _codes: dict[str, ModuleCode] = field(default_factory=dict)

    def code(self, module: str) -> ModuleCode:
        """A Looplab module's parsed source, read once."""
        if module not in self._codes:
            self._codes[module] = ModuleCode(module)
        return self._codes[module]

    def add(self, module: str, name: str, section: str) -> None:
        """Copies a top-level definition, and all it needs, into `section`."""
        key = self._locate(module, name)
        if key in self.pieces:
            return
        twins = [other for other in self.pieces if other[1] == key[1]]
        if twins:
            raise ValueError(f"A card cannot hold two {key[1]!r}: {key[0]} and {twins[0][0]}")
        code = self.code(key[0])
        node = code.definitions[key[1]]
        decorators = [d for d in getattr(node, "decorator_list", []) if self._kept(code, d)]
        self.pieces[key] = Piece(key[0], key[1], node.lineno, "")  # marks it as under way
        self.sections[key] = section
        self._needs[key] = set()
        text = self._text(code, node, decorators, section, key)
        self.pieces[key] = Piece(key[0], key[1], node.lineno, _with_comments(code, node, text))

    def method(self, module: str, class_name: str, name: str, section: str) -> str:
        """The text of a method, indented as in its class; what it needs goes into `section`."""
        code = self.code(module)
        node = code.method(class_name, name)
        text = self._text(code, node, node.decorator_list, section, None)
        return _with_comments(code, node, text)

    def ordered(self, section: str) -> list[Piece]:
        """The pieces of a section: the modules each needs before it, then in source order."""
        keys = [key for key, where in self.sections.items() if where == section]
        graph = graphlib.TopologicalSorter()
        for key in keys:
            graph.add(key[0], *(need[0] for need in self._needs[key] if need[0] != key[0]))
        try:
            modules = list(graph.static_order())
        except graphlib.CycleError:  # modules that need each other: keep the order found
            modules = list(dict.fromkeys(key[0] for key in keys))
        rank = {module: index for index, module in enumerate(modules)}
        keys.sort(key=lambda key: (rank[key[0]], self.pieces[key].line))
        return [self.pieces[key] for key in keys]

    # Following names.

    def _locate(self, module: str, name: str) -> tuple[str, str]:
        """Where a name a module uses is defined, following Looplab's re-exports."""
        code = self.code(module)
        if name in code.definitions:
            return module, name
        bound = code.imports.get(name)
        if bound is not None and bound.name and _is_looplab(bound.module):
            return self._locate(bound.module, bound.name)
        raise LookupError(f"{name!r} is not defined in {module}")

    def _kept(self, code: ModuleCode, decorator: ast.expr) -> bool:
        text = ast.get_source_segment(code.text, decorator) or ""
        return not text.startswith(_LOOPLAB_DECORATORS)

    def _text(self, code, node, decorators, section, key) -> str:
        """The definition's source, its module references made plain, its needs collected."""
        lines = code.lines[node.lineno - 1 : node.end_lineno]
        edits = []  # (node, the text that replaces it)
        bound_here = _bound_names(node)
        for child in _walked(node, decorators):
            if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
                module = code.looplab_module(child.value.id)
                if module is not None:
                    self._need(module, child.attr, section, key)
                    edits.append((child, child.attr))
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
                if child.id in bound_here:
                    continue
                self._use(code, child.id, section, key)
        text = _edited(lines, node.lineno, edits)
        indent = " " * node.col_offset
        decorated = [f"{indent}@{ast.get_source_segment(code.text, d)}" for d in decorators]
        return "\n".join([*decorated, text])

    def _use(self, code: ModuleCode, name: str, section: str, key) -> None:
        if name in self.provided or (key and name == key[1] and key[0] == code.module):
            return
        if name in code.definitions:
            self._need(code.module, name, section, key)
            return
        bound = code.imports.get(name)
        if bound is None:
            return  # a builtin, or a name of the function's own
        if _is_looplab(bound.module):
            if code.looplab_module(name) is None:
                self._need(code.module, name, section, key)
            return
        self.imports.add(bound)

    def _need(self, module: str, name: str, section: str, key) -> None:
        if name in self.provided:
            return
        needed = self._locate(module, name)
        if key is not None:
            self._needs[key].add(needed)
        self.add(needed[0], needed[1], section)


def _walked(node: ast.AST, decorators: list[ast.expr]):
    """Every node of a definition, leaving out the decorators the card drops."""
    for name, value in ast.iter_fields(node):
        for item in decorators if name == "decorator_list" else _as_list(value):
            if isinstance(item, ast.AST):
                yield from ast.walk(item)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _bound_names(node: ast.AST) -> set[str]:
    """Names a definition binds for itself: parameters, locals, nested definitions."""
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.arg):
            names.add(child.arg)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.add(child.id)
        elif child is not node and isinstance(child, ast.FunctionDef | ast.ClassDef):
            names.add(child.name)
    return names


def _edited(lines: list[str], first: int, edits: list) -> str:
    """Replaces each edited node's text (UTF-8 byte offsets, as `ast` gives them)."""
    lines = list(lines)
    ordered = sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True)
    for child, new in ordered:
        if child.lineno != child.end_lineno:
            raise ValueError(f"cannot rewrite a reference that spans lines: {new}")
        index = child.lineno - first
        raw = lines[index].encode()
        edited = raw[: child.col_offset] + new.encode() + raw[child.end_col_offset :]
        lines[index] = edited.decode()
    return "\n".join(lines)


def _with_comments(code: ModuleCode, node: ast.stmt, text: str) -> str:
    """Prepends the comment lines right above a definition (its decorators included)."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    above = []
    index = first - 2
    while index >= 0 and code.lines[index].lstrip().startswith("#"):
        above.insert(0, code.lines[index])
        index -= 1
    return "\n".join([*above, text])
