"""Shell completion of the report's fixed-value options, driven as the shell drives it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("palsim report runs --format m", ["markdown"]),
        ("palsim report runs --format ", ["table", "csv", "json", "markdown"]),
        ("palsim report runs --robustness a", ["aubc"]),
        ("palsim report runs --metric ", ["auto", "accuracy", "miou", "pixel-accuracy"]),
    ],
)
def test_report_format_and_metric_complete_as_choices(words: str, expected: list[str]) -> None:
    environment = {
        **os.environ,
        "_PALSIM_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    done = subprocess.run(
        [sys.executable, "-m", "palsim"], env=environment, capture_output=True, text=True
    )
    assert done.stdout.split() == expected
