"""Finds ORM writes in klinika's source: the calls that change rows, and where they are."""
import ast
from dataclasses import dataclass
from pathlib import Path

# Calls that write whatever they are called on (a manager, a queryset or an instance).
ALWAYS_WRITES = {"save", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "create", "delete"}
# Calls that write only when called on a queryset or a manager (dict.update and set.update do not).
QUERYSET_WRITES = {"update"}
QUERYSET_HINTS = {"objects", "filter", "exclude", "all", "select_for_update", "using", "_base_manager",
                  "_default_manager", "unscoped"}


@dataclass(frozen=True)
class Write:
    module: str
    line: int
    call: str

    def __str__(self):
        return f"{self.module}:{self.line} .{self.call}()"


def _names_in(node) -> set[str]:
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            names.add(sub.attr)
        elif isinstance(sub, ast.Name):
            names.add(sub.id)
    return names


class _Finder(ast.NodeVisitor):
    def __init__(self, module):
        self.module, self.found, self._methods = module, [], []

    def visit_FunctionDef(self, node):
        self._methods.append(node.name)
        self.generic_visit(node)
        self._methods.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = func.value
            overriding = self._methods and self._methods[-1] == func.attr and (
                isinstance(receiver, ast.Call) and getattr(receiver.func, "id", "") == "super")
            if func.attr in ALWAYS_WRITES and not overriding and not _is_other_kind(func, receiver):
                self.found.append(Write(self.module, node.lineno, func.attr))
            elif func.attr in QUERYSET_WRITES and _names_in(receiver) & QUERYSET_HINTS:
                self.found.append(Write(self.module, node.lineno, func.attr))
        self.generic_visit(node)


def _is_other_kind(func, receiver) -> bool:
    """`create` and `delete` are common names outside the ORM (files, caches, tokens)."""
    if func.attr == "create":
        return not (_names_in(receiver) & QUERYSET_HINTS)
    if func.attr == "delete":
        return isinstance(receiver, ast.Name) and receiver.id in {"os", "shutil", "cache", "session"}
    return False


def writes_in(path: Path, root: Path) -> list[Write]:
    module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
    finder = _Finder(module)
    finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return finder.found


def is_services_module(module: str) -> bool:
    parts = module.split(".")
    return parts[-1] == "services" or "services" in parts[:-1]


def source_modules(root: Path):
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path
