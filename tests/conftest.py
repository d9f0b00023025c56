"""Session-wide test machinery: NEWSRIVER_REQUIRE_ALL and the shared feed corpus.

With `NEWSRIVER_REQUIRE_ALL=1` (set by `.ci/run`) every skip is turned into a failure
that carries the skip's reason, so CI cannot pass by quietly skipping a test whose
tool, data or component is missing. Expected failures (`xfail`) are left as they are.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

REQUIRE_ALL_ENV = "NEWSRIVER_REQUIRE_ALL"
# Set in pytest_configure: tests that clear NEWSRIVER_* variables must not switch it off.
_require_all = pytest.StashKey[bool]()

# ../shared/corpus beside the repository (see /work/shared/corpus/README.md).
SHARED_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_require_all] = os.environ.get(REQUIRE_ALL_ENV) == "1"


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.stash[_require_all]:
        return f"{REQUIRE_ALL_ENV}=1: skipped tests count as failures"
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if item.config.stash[_require_all] and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = _failure_text(report.longrepr)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    # A whole module skipped at import (pytest.importorskip, allow_module_level=True).
    report = yield
    if collector.config.stash[_require_all] and report.skipped:
        report.outcome = "failed"
        report.longrepr = _failure_text(report.longrepr)
    return report


def _failure_text(longrepr: object) -> str:
    # A skip's longrepr is (path, line, "Skipped: reason").
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
    return f"skipped under {REQUIRE_ALL_ENV}=1, which makes skips failures: {reason}"


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """The shared test corpus directory; skips (a failure under REQUIRE_ALL) if absent."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip(
            f"the shared corpus is not at {SHARED_CORPUS} (clone ../shared beside the repo)"
        )
    return SHARED_CORPUS
