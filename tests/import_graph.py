"""The import arrows between the modules of a source tree, read with `ast` (nothing is imported),
and the checks `tests/test_structure.py` holds them to: circles and forbidden arrows."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ImportGraph:
    """`arrows[m]`: what module `m` imports anywhere in its body (also inside functions and
    `if TYPE_CHECKING:`); our modules by full name, anything else by its top-level name."""

    arrows: Mapping[str, frozenset[str]]

    @property
    def modules(self) -> frozenset[str]:
        return frozenset(self.arrows)

    @classmethod
    def read(cls, root: Path, packages: Iterable[str]) -> ImportGraph:
        files = {
            _module_name(root, path): path
            for package in packages
            for path in sorted((root / package).rglob("*.py"))
        }
        known = frozenset(files)
        return cls(
            {name: frozenset(_imports(name, path, known)) - {name} for name, path in files.items()}
        )

    def reached_from(
        self, roots: Iterable[str], stop_at: Callable[[str], bool] = lambda _: False
    ) -> frozenset[str]:
        """The roots and every module of ours they load, transitively, not going past a module
        `stop_at` picks. Loading `a.b.c` also runs the `__init__` of `a` and `a.b`."""
        seen: set[str] = set()
        stack = [root for root in roots if root in self.arrows]
        while stack:
            module = stack.pop()
            if module in seen:
                continue
            seen.add(module)
            if not stop_at(module):
                loaded = {*self.arrows[module], *_parents(module)}
                stack.extend(name for name in loaded if name in self.arrows)
        return frozenset(seen)


def _module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _parents(module: str) -> Iterator[str]:
    parts = module.split(".")
    for end in range(1, len(parts)):
        yield ".".join(parts[:end])


def _imports(module: str, path: Path, known: frozenset[str]) -> Iterator[str]:
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _resolve(alias.name, known)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                # `from pkg import name` imports the module `pkg.name` when there is one.
                submodule = f"{base}.{alias.name}" if base else alias.name
                yield submodule if submodule in known else _resolve(base, known)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


def _resolve(name: str, known: frozenset[str]) -> str:
    """The longest prefix of `name` that is one of our modules, else its top-level name."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return parts[0]


def within(name: str, prefixes: Iterable[str]) -> bool:
    """`name` is one of `prefixes` or inside one of those packages."""
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@dataclass(frozen=True)
class Rule:
    """Modules under `importers` import nothing under `forbidden` unless it is under `allowed`;
    with `transitive`, neither does any module the importers load."""

    importers: tuple[str, ...]
    forbidden: tuple[str, ...]
    allowed: tuple[str, ...] = ()
    transitive: bool = False

    def broken_by(self, graph: ImportGraph) -> Iterator[str]:
        roots = [module for module in graph.modules if within(module, self.importers)]
        # Past a forbidden module, everything is a consequence of the arrow into it.
        checked = graph.reached_from(roots, self.bans) if self.transitive else roots
        for module in sorted(checked):
            if not self.bans(module):
                yield from (
                    f"{module} -> {t}" for t in sorted(graph.arrows[module]) if self.bans(t)
                )

    def bans(self, module: str) -> bool:
        return within(module, self.forbidden) and not within(module, self.allowed)


def forbidden_arrows(graph: ImportGraph, rules: Iterable[Rule]) -> set[str]:
    return {arrow for rule in rules for arrow in rule.broken_by(graph)}


def circles(graph: ImportGraph) -> set[str]:
    """One entry per group of modules that reach each other: the shortest circle through the
    group's first module, e.g. `circle: a -> b -> a`."""
    arrows = {
        m: sorted(t for t in targets if t in graph.arrows) for m, targets in graph.arrows.items()
    }
    reach = {module: _reachable(arrows, module) for module in arrows}
    found = set()
    for module in arrows:
        group = {other for other in reach[module] if module in reach[other]}
        if module in group:
            first = min(group)
            found.add("circle: " + " -> ".join(_shortest_circle(arrows, first)))
    return found


def _reachable(arrows: Mapping[str, list[str]], start: str) -> set[str]:
    """Every module reached from `start` by one or more arrows."""
    seen: set[str] = set()
    stack = list(arrows[start])
    while stack:
        module = stack.pop()
        if module not in seen:
            seen.add(module)
            stack.extend(arrows[module])
    return seen


def _shortest_circle(arrows: Mapping[str, list[str]], start: str) -> list[str]:
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for target in arrows[module]:
            if target == start:
                path = [start, module]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if target not in came_from:
                came_from[target] = module
                queue.append(target)
    raise ValueError(f"{start} is on no circle")
