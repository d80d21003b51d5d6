import io

from palsim.cli.console import ConsolePrinter, format_record
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


def test_plain_mode_prints_lines_without_escape_codes() -> None:
    stream = io.StringIO()
    printer = ConsolePrinter(stream, live=False)
    config = {"name": "r", "strategy": "entropy", "oracle": "perfect", "cycles": 2, "epochs": 1}
    started = run_started_event(
        config=config,
        dataset="fashion-mnist",
        num_classes=10,
        class_names=[],
        pool_size=100,
        test_size=10,
        device="cpu",
        model="small-cnn",
        excluded_classes=[],
        resumed_from=None,
        initial=None,
    )
    printer(started)
    printer(epoch_event(cycle=0, phase="train", epoch=1, epochs=1, loss=1.0))
    printer(cycle_finished_event(record=RECORD))
    printer(run_finished_event(status="finished", error=None))
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("run r: fashion-mnist (pool 100), strategy entropy")
    assert lines[1] == format_record(RECORD)
    assert "\x1b" not in stream.getvalue()
