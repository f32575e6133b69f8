"""The shape of the package, checked: the layers import downwards only, and every
Twilio error is built by its one named constructor in ``core/errors.py``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import pytest_fakeconf

PACKAGE = Path(pytest_fakeconf.__file__).parent
NAME = "pytest_fakeconf"


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def own_imports(path: Path) -> set[str]:
    """The package's modules ``path`` imports (absolute dotted names), at any depth."""
    parts = (NAME, *path.relative_to(PACKAGE).with_suffix("").parts)
    package = parts[:-1]  # a module's package; for __init__.py the package itself
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join((*base, node.module)) if node.module else ".".join(base)
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
            candidates = [target, *names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found |= {c for c in candidates if c == NAME or c.startswith(NAME + ".")}
    return found


def layer(dotted: str) -> str:
    """``core``, ``api``, ``webhooks``, … or the top-level module's name."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else ""


# What each layer may import from the package (besides itself).
ALLOWED = {
    "core": set(),
    "formats": set(),
    "api": {"core", "formats"},
    "webhooks": {"core", "formats"},
}


@pytest.mark.parametrize("source_layer", sorted(ALLOWED))
def test_layers_import_only_what_is_below_them(source_layer: str) -> None:
    wrong = []
    for path in modules():
        dotted = ".".join((NAME, *path.relative_to(PACKAGE).with_suffix("").parts))
        if layer(dotted) != source_layer:
            continue
        for target in own_imports(path):
            target_layer = layer(target)
            if target_layer in ("", source_layer) and target != NAME:
                continue
            if target_layer not in ALLOWED[source_layer]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {target}")
    assert wrong == []


def test_the_import_check_can_fail() -> None:
    # A relative import two levels up is read as the package's module it names.
    fake = PACKAGE / "webhooks" / "callbacks.py"
    assert f"{NAME}.formats" in own_imports(fake)
    assert f"{NAME}.core.events.Event" in own_imports(fake)
    assert not any(layer(t) == "api" for t in own_imports(fake))
    handles = own_imports(PACKAGE / "handles.py")
    assert any(layer(t) == "core" for t in handles)


CONSTRUCTION = re.compile(r"\bTwilioError\(")


def test_every_twilio_error_comes_from_the_catalogue() -> None:
    """``core/errors.py`` holds one named constructor per code; nobody else builds one."""
    found = []
    for path in modules():
        if path == PACKAGE / "core" / "errors.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if CONSTRUCTION.search(line):
                found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert found == []


def test_the_catalogue_check_can_fail() -> None:
    errors = (PACKAGE / "core" / "errors.py").read_text(encoding="utf-8")
    assert len(CONSTRUCTION.findall(errors)) >= 20
