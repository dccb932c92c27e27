"""The code's layout holds (docs/architecture.md): modules stay small, layers are packages named alike in every
app, and no module is a junk drawer. The import contracts themselves are checked by `lint-imports` in make test."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["cxprogram", "surveys", "journeys", "kpis"]
MAX_LINES = 400


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_module_outside_migrations_tests_and_benchmarks_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in app_modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("app", ["surveys", "journeys", "kpis"])
def test_every_app_has_the_same_layer_packages(app):
    layers = ["models", "services", "selectors", "views", "forms", "admin", "api"]
    assert [layer for layer in layers if not (ROOT / app / layer / "__init__.py").is_file()] == []


def test_no_junk_drawer_modules_and_no_import_scaffolding():
    names = {p.stem for p in app_modules()}
    assert names & {"utils", "helpers", "misc", "common"} == set()
    scaffolding = re.compile(r"suppress\(ImportError\)|find_spec\(|noqa: E402")
    assert [str(p.relative_to(ROOT)) for p in app_modules() if scaffolding.search(p.read_text())] == []
