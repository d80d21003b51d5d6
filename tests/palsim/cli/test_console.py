import io

from palsim.cli.console import ConsolePrinter, format_record

RECORD = {
    "cycle": 1, "labeled": 1000, "test_accuracy": 0.81234, "noisy_labels": 200,
    "noise_rate": 0.2, "train_seconds": 12.34, "query_seconds": 2.0,
}  # fmt: skip


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
    printer({"event": "run_started", "config": config, "dataset": "fashion-mnist",
             "pool_size": 100, "model": "small-cnn", "device": "cpu"})  # fmt: skip
    printer({"event": "epoch", "cycle": 0, "phase": "train", "epoch": 1, "epochs": 1, "loss": 1.0})
    printer({"event": "cycle_finished", "record": RECORD})
    printer({"event": "run_finished", "status": "finished"})
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("run r: fashion-mnist (pool 100), strategy entropy")
    assert lines[1] == format_record(RECORD)
    assert "\x1b" not in stream.getvalue()
