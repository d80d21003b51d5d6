"""The checkpoint's initial-draw field: kept when well formed, refused otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from palsim.resume_check import FolderMismatch, checked_initial_draw

GOOD = {"diagnostics": {"embedding_rotation_accuracy": 0.91, "sizes": [3, 4]}, "warnings": []}


@pytest.mark.parametrize("absent", [None, {}])
def test_an_absent_initial_draw_reads_as_empty(absent: Any) -> None:
    assert checked_initial_draw(absent) == {}


def test_a_well_formed_initial_draw_is_kept() -> None:
    assert checked_initial_draw(GOOD) is GOOD


@pytest.mark.parametrize(
    "draw",
    [
        [1, 2],
        {"diagnostics": {}},
        {"diagnostics": {}, "warnings": [], "extra": 1},
        {"diagnostics": {"x": "0.9"}, "warnings": []},
        {"diagnostics": {"x": True}, "warnings": []},
        {"diagnostics": {"x": [1, "2"]}, "warnings": []},
        {"diagnostics": [], "warnings": []},
        {"diagnostics": {}, "warnings": "near chance"},
        {"diagnostics": {}, "warnings": [3]},
    ],
)
def test_a_malformed_initial_draw_is_refused_naming_the_checkpoint(draw: Any) -> None:
    with pytest.raises(FolderMismatch, match=r"checkpoint\.json: initial_draw"):
        checked_initial_draw(draw)
