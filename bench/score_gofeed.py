"""Field-match score against gofeed's expected output: newsriver and feedparser.

Usage: .venv/bin/python bench/score_gofeed.py [--mismatches]

Both parsers are measured with the one comparison defined in
`tests/support/gofeed_compare.py` (which fields, how they compare, what is left out):
the share of compared fields whose value matches gofeed's expectation, overall and for
the XML inputs alone (feedparser does not read JSON Feed, so it scores nothing there).
`--mismatches` lists every field where newsriver differs. Prints figures and exits 0
whatever they are: it measures, it does not judge (tests/test_golden_gofeed.py does).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# `tests.support` lives in the repository, not in the installed package: put the
# repository root on the path so that this script runs from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.gofeed_compare import (
    GOFEED,
    Case,
    Score,
    compare,
    discover_cases,
    expectations,
    run_ours,
    score_parser,
)


def _line(name: str, score: Score) -> str:
    return (
        f"{name:<11} {score.percent:5.1f}% ({score.matched}/{score.total})   "
        f"XML only {score.xml_percent:5.1f}% ({score.xml_matched}/{score.xml_total})"
    )


def _print_mismatches(cases: list[Case]) -> None:
    for case in cases:
        for result in compare(expectations(case), run_ours(case)):
            if not result.match:
                print(
                    f"  {case.name} {result.path}: expected {result.expected!r:.80}, "
                    f"got {result.actual!r:.80}"
                )


def main() -> int:
    """Print both scores (and, if asked, our mismatches)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mismatches", action="store_true", help="list our mismatches")
    arguments = parser.parse_args()
    cases = [case for case in discover_cases() if not case.invalid and case.level != "smoke"]
    if not cases:
        print(f"no gofeed cases under {GOFEED}", file=sys.stderr)
        return 1
    json_cases = sum(case.is_json for case in cases)
    print(f"gofeed cases: {len(cases)} ({json_cases} JSON Feed) from {GOFEED}")
    print(_line("newsriver", score_parser(cases, ours=True)))
    print(_line("feedparser", score_parser(cases, ours=False)))
    if arguments.mismatches:
        _print_mismatches(cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
