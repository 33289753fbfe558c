"""Rows change only in services modules (DESIGN.md "Layout"): views, APIs, commands and helpers call them."""
from pathlib import Path

import klinika
from tests.architecture.writes import is_services_module, source_modules, writes_in

ROOT = Path(klinika.__file__).parent

# Modules allowed to write outside a services module, each with the reason.
ALLOWED = {
    # The keystore is the key hierarchy's own store (a second database, no domain rows): these two
    # modules are its only writers.
    "klinika.crypto.keystore": "keys",
    "klinika.crypto.root": "keys",
    # Django's manager method that creates a user with a hashed password (called by accounts services).
    "klinika.accounts.models": "create_user",
}


def test_only_services_modules_write():
    offenders = [str(write) for path in source_modules(ROOT) for write in writes_in(path, ROOT)
                 if not is_services_module(write.module) and write.module not in ALLOWED]
    assert offenders == [], "move these writes into the app's services module:\n" + "\n".join(offenders)


def test_the_finder_sees_a_write_outside_services(tmp_path):
    package = tmp_path / "klinika"
    (package / "shop").mkdir(parents=True)
    (package / "shop" / "views.py").write_text(
        "def buy(order, Order):\n"
        "    order.save()\n"
        "    Order.objects.filter(pk=1).update(paid=True)\n"
        "    {}.update(a=1)\n"  # a dict: not a write
    )
    found = [w for p in source_modules(package) for w in writes_in(p, package)]
    assert [(w.module, w.line, w.call) for w in found] == [
        ("klinika.shop.views", 2, "save"), ("klinika.shop.views", 3, "update")]


def test_no_module_imports_another_modules_private_helpers():
    import ast

    offenders = []
    for path in source_modules(ROOT):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("klinika"):
                offenders += [f"{path.relative_to(ROOT)}: {node.module}.{alias.name}" for alias in node.names
                              if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert offenders == [], "make these public (and name them for what they do) or move them:\n" + \
        "\n".join(offenders)
