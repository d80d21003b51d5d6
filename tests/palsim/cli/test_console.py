import io
import re

import pytest
from rich.console import Console

from palsim.cli.console import ConsolePrinter, format_record
from palsim.cli.eta import format_duration, seconds_left
from palsim.events import (
    cycle_finished_event,
    epoch_event,
    run_finished_event,
    run_started_event,
)

RECORD = {
    "cycle": 1,
    "labeled": 1000,
    "test_accuracy": 0.81234,
    "noisy_labels": 200,
    "noise_rate": 0.2,
    "train_seconds": 12.34,
    "query_seconds": 2.0,
}


def test_format_record_is_one_readable_line() -> None:
    assert format_record(RECORD) == (
        "cycle 1: labeled 1000, test accuracy 0.8123, noisy labels 200 (20.0%), "
        "train 12.3s, query 2.0s"
    )
    assert format_record({**RECORD, "novel_found": 7}).endswith(", novel-class samples 7")


def started_event(config: dict, pool_size: int, resumed_from: int | None = None) -> dict:
    return run_started_event(
        config=config,
        dataset="fashion-mnist",
        num_classes=10,
        class_names=[],
        pool_size=pool_size,
        test_size=10,
        device="cpu",
        model="small-cnn",
        excluded_classes=[],
        resumed_from=resumed_from,
        initial=None,
    )


def test_plain_mode_prints_lines_without_escape_codes() -> None:
    stream = io.StringIO()
    now = [0.0]  # a fake clock
    printer = ConsolePrinter(stream, live=False, clock=lambda: now[0])
    config = {"name": "r", "strategy": "entropy", "oracle": "perfect", "cycles": 2, "epochs": 1}
    printer(started_event(config, pool_size=100))
    printer(epoch_event(cycle=0, phase="train", epoch=1, epochs=1, loss=1.0))
    now[0] = 95.0  # the first of two cycles took 95 s
    printer(cycle_finished_event(record=RECORD))
    printer(run_finished_event(status="finished", error=None))
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("run r: fashion-mnist (pool 100), strategy entropy")
    assert lines[1] == format_record(RECORD) + "; about 2 min left"
    assert "\x1b" not in stream.getvalue()


def test_a_resumed_run_paces_only_the_cycles_it_ran() -> None:
    stream = io.StringIO()
    now = [0.0]
    printer = ConsolePrinter(stream, live=False, clock=lambda: now[0])
    config = {"name": "r", "strategy": "pal", "oracle": "noisy:0.2", "cycles": 5, "epochs": 1}
    printer(started_event(config, pool_size=100, resumed_from=2))
    now[0] = 30.0
    printer(cycle_finished_event(record={**RECORD, "cycle": 2}))
    now[0] = 70.0
    printer(cycle_finished_event(record={**RECORD, "cycle": 3}))
    printer(cycle_finished_event(record={**RECORD, "cycle": 4}))
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith(", resumed at cycle 2")
    assert lines[1].endswith("; about 1 min left")  # 30 s for one cycle, two left
    assert lines[2].endswith("; about 35 s left")  # 70 s for two cycles, one left
    assert lines[3] == format_record({**RECORD, "cycle": 4})  # nothing left to estimate


def test_live_lines_wrap_between_words_at_80_columns() -> None:
    stream = io.StringIO()
    printer = ConsolePrinter(stream, live=True, clock=lambda: 0.0)
    printer.console = Console(file=stream, width=80, force_terminal=True, color_system=None)
    config = {
        "name": "fashion-mnist-entropy-noisy_0.2-s0-20261127-113800",
        "strategy": "entropy",
        "oracle": "annotators:5:0.1-0.4:vote=3",
        "cycles": 2,
        "epochs": 1,
    }
    printer(started_event(config, pool_size=10000))
    printer(cycle_finished_event(record=RECORD))
    printer.close()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "\n", stream.getvalue())  # cursor moves
    bars = ("cycles ", "starting ")  # the live bars, redrawn in place
    lines = [line.rstrip() for line in text.splitlines() if not line.startswith(bars)]
    lines = [line for line in lines if line]
    assert all(len(line) <= 80 for line in lines)
    expected = (
        f"run {config['name']}: fashion-mnist (pool 10000), strategy entropy, oracle "
        f"{config['oracle']}, model small-cnn, device cpu {format_record(RECORD)}; "
        "about 0 s left"
    )
    assert " ".join(lines).split() == expected.split()  # no word cut in two


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.4, "0 s"),
        (42.0, "42 s"),
        (59.4, "59 s"),
        (89.0, "1 min"),
        (3500.0, "58 min"),
        (3599.0, "1 h 00 min"),
        (3600.0, "1 h 00 min"),
        (5400.0, "1 h 30 min"),
        (-3.0, "0 s"),
    ],
)
def test_durations_read_like_an_estimate(seconds, text) -> None:
    assert format_duration(seconds) == text


def test_time_left_needs_a_pace_and_counts_what_is_left() -> None:
    assert seconds_left(elapsed=60.0, done=0, left=3) is None
    assert seconds_left(elapsed=60.0, done=2, left=3) == 90.0
    assert seconds_left(elapsed=60.0, done=2, left=0) == 0.0
