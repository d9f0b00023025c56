"""NEWSRIVER_REQUIRE_ALL=1 turns skips into failures (the mechanism in conftest.py).

Each case runs a real pytest in a subprocess on a throwaway tree laid out like ours
(`proj/tests/conftest.py`, a copy of the real one, with `shared/corpus` beside `proj`),
so what is checked is exactly what CI relies on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")

SKIPPING_TESTS = """
import pytest

def test_passes():
    pass

@pytest.mark.skip(reason="marker reason")
def test_marked():
    pass

def test_skips_in_body():
    pytest.skip("body reason")

@pytest.fixture
def needs_tool():
    pytest.skip("fixture reason")

def test_fixture_skips(needs_tool):
    pass

@pytest.mark.xfail(reason="known bug", strict=True)
def test_expected_failure():
    assert False
"""

SKIPPED_MODULE = """
import pytest
pytest.importorskip("a_module_that_is_not_installed")

def test_never_collected():
    pass
"""

USES_CORPUS = """
def test_corpus(shared_corpus):
    assert (shared_corpus / "marker.txt").read_text() == "here"
"""


def run_pytest(tmp_path: Path, files: dict[str, str], *, require_all: bool) -> tuple[int, str]:
    tests = tmp_path / "proj" / "tests"
    tests.mkdir(parents=True)
    shutil.copy(CONFTEST, tests / "conftest.py")
    (tmp_path / "proj" / "pytest.ini").write_text("[pytest]\n")
    for name, text in files.items():
        (tests / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "NEWSRIVER_REQUIRE_ALL"}
    # Third-party plugins (hypothesis, anyio) are not needed here and slow each run.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if require_all:
        env["NEWSRIVER_REQUIRE_ALL"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path / "proj",
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_without_the_variable_skips_are_skips(tmp_path: Path) -> None:
    code, output = run_pytest(tmp_path, {"test_x.py": SKIPPING_TESTS}, require_all=False)
    assert code == 0, output
    assert "1 passed, 3 skipped, 1 xfailed" in output


def test_with_the_variable_every_skip_fails_with_its_reason(tmp_path: Path) -> None:
    code, output = run_pytest(tmp_path, {"test_x.py": SKIPPING_TESTS}, require_all=True)
    assert code == 1, output
    assert "NEWSRIVER_REQUIRE_ALL=1: skipped tests count as failures" in output
    # Skips in setup (markers, fixtures) become errors, as any setup failure does.
    assert "1 failed, 1 passed, 1 xfailed, 2 errors" in output
    for reason in ("marker reason", "body reason", "fixture reason"):
        assert reason in output
    assert "skipped under NEWSRIVER_REQUIRE_ALL=1" in output


def test_a_module_skipped_at_import_fails_collection(tmp_path: Path) -> None:
    files = {"test_x.py": SKIPPED_MODULE}
    code, output = run_pytest(tmp_path, files, require_all=False)
    assert code == 5, output  # nothing collected, nothing failed
    code, output = run_pytest(tmp_path / "again", files, require_all=True)
    assert code != 0, output
    assert "a_module_that_is_not_installed" in output
    assert "1 error" in output


@pytest.mark.parametrize("present", [True, False])
def test_shared_corpus_fixture(tmp_path: Path, present: bool) -> None:
    if present:
        corpus = tmp_path / "shared" / "corpus"
        corpus.mkdir(parents=True)
        (corpus / "marker.txt").write_text("here")
    code, output = run_pytest(tmp_path, {"test_c.py": USES_CORPUS}, require_all=True)
    if present:
        assert code == 0, output
    else:
        assert code == 1, output
        assert "the shared corpus is not at" in output
