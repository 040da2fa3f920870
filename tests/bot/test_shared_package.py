"""The code the assistant shares with the case API is an installed package, not a path trick.

``gz_identity`` (packages/gz_identity: ID numbers, phone checks, masking) is installed into both
environments by their lock files. These tests run in the bot environment: the package imports from
any directory without the repository on ``sys.path``, has no third-party imports, and the actions
use it (the API reaches the same objects as ``api.identity``).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "packages" / "gz_identity"
API_PYTHON = os.path.abspath(os.environ.get("API_PYTHON", str(ROOT / ".venv" / "api" / "bin" / "python")))


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


@pytest.mark.parametrize("python", [sys.executable, API_PYTHON], ids=["bot", "api"])
def test_installed_in_the_environment_not_found_through_the_repository(python: str, tmp_path: Path) -> None:
    if not Path(python).exists():
        pytest.skip(f"{python} not found (run `make setup`)")
    # started outside the repository with no PYTHONPATH: only an installed package imports
    code = (
        "import sys, gz_identity, importlib.metadata as m; "
        "assert not any(p and p.rstrip('/') == sys.argv[1] for p in sys.path), 'repo root on sys.path'; "
        "print(gz_identity.__file__); print(m.version('gz-identity'))"
    )
    out = subprocess.run(
        [python, "-c", code, str(ROOT)],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert Path(out[0]).resolve() == (PACKAGE / "src" / "gz_identity" / "__init__.py").resolve()


def test_listed_in_both_lock_files() -> None:
    for env in ("api", "bot"):
        lines = (ROOT / "requirements" / f"{env}.lock").read_text(encoding="utf-8").splitlines()
        assert "-e ./packages/gz_identity" in lines, f"requirements/{env}.lock does not install gz_identity"


def test_no_third_party_imports() -> None:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for path in (PACKAGE / "src" / "gz_identity").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level else [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in stdlib, f"{path.name} imports {name}: only the standard library"


def test_rules_work_in_the_bot_environment() -> None:
    import gz_identity

    first17 = "52010219550101123"
    number = first17 + gz_identity.check_digit(first17)
    assert gz_identity.parse_id_number(number).isoformat() == "1955-01-01"
    assert gz_identity.mask_id_number(number) == "520***********" + number[-4:]
    assert gz_identity.valid_phone("１３８１２３４５６７８")  # full-width digits count
    assert gz_identity.mask_text(f"号码 {number} 电话 13812345678") == (
        f"号码 520***********{number[-4:]} 电话 138****5678"
    )


def test_actions_use_the_package_without_touching_sys_path() -> None:
    for path in (ROOT / "actions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "sys.path.insert" not in text, f"{path.name} changes sys.path"
        assert "from api.identity" not in text, f"{path.name} imports api.identity"
    import gz_identity

    import actions

    assert actions.mask_text is gz_identity.mask_text


def test_the_api_reexports_the_same_objects() -> None:
    if not Path(API_PYTHON).exists():
        pytest.skip(f"{API_PYTHON} not found (run `make setup`)")
    code = (
        "import api.identity as a, gz_identity as g; "
        "missing = [n for n in a.__all__ if getattr(a, n) is not getattr(g, n)]; "
        "assert not missing, missing"
    )
    subprocess.run([API_PYTHON, "-c", code], cwd=ROOT, env=_clean_env(), check=True)
