import json

import pytest

from palsim.events import (
    EventName,
    RunStatus,
    cycle_finished_event,
    cycle_started_event,
    is_finished,
    query_event,
    read_events,
)
from palsim.store import RunStore, read_summary, run_name


def test_store_writes_events_summary_and_annotations(tmp_path) -> None:
    store = RunStore.create(tmp_path / "run", {"name": "run"})
    assert read_summary(tmp_path / "run") == {
        "config": {"name": "run"},
        "cycles": [],
        "status": "running",
    }
    answer = {"indices": [5, 6], "true_labels": [3, 1], "oracle_labels": [3, 2], "annotators": None}
    store.emit(
        query_event(
            cycle=0, scores=None, answers=[[5, "oracle", 3], [6, "oracle", 2]], cost=2.0, **answer
        )
    )
    store.emit(cycle_finished_event(record={"cycle": 0, "test_accuracy": 0.5}))
    assert read_summary(tmp_path / "run")["cycles"] == [{"cycle": 0, "test_accuracy": 0.5}]
    summary = store.finish(RunStatus.FINISHED)
    assert summary["status"] == "finished"
    assert [e["event"] for e in read_events(tmp_path / "run")][-1] == EventName.RUN_FINISHED
    assert (tmp_path / "run" / "annotations.csv").read_text().splitlines() == [
        "task,worker,label,true_label,cycle",
        "5,oracle,3,3,0",
        "6,oracle,2,1,0",
    ]


def test_store_refuses_an_existing_run(tmp_path) -> None:
    RunStore.create(tmp_path / "run", {}).finish("finished")
    with pytest.raises(
        FileExistsError, match="already exists; choose another --name or use --resume"
    ):
        RunStore.create(tmp_path / "run", {})


def test_reopen_starts_a_new_line_after_a_truncated_event(tmp_path) -> None:
    store = RunStore.create(tmp_path / "run", {})
    store.emit(cycle_started_event(cycle=0, labeled=1))
    store._events.write('{"event": "epo')  # a write cut short by a crash
    store._events.flush()
    reopened = RunStore.reopen(tmp_path / "run", cycles=[])
    reopened.emit(cycle_started_event(cycle=1, labeled=2))
    assert [e["cycle"] for e in read_events(tmp_path / "run")] == [0, 1]
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["status"] == "running"


def test_derived_run_names_fit_a_folder_name_and_stay_distinct() -> None:
    config = {"dataset": "fashion-mnist", "strategy": "pal", "oracle": "noisy:0.2", "seed": 1}
    assert run_name(config) == "fashion-mnist-pal-noisy_0.2-s1"
    assert run_name({**config, "initial_strategy": "random"}) == run_name(config)
    cold = {**config, "initial_strategy": "typiclust"}
    assert run_name(cold) == "fashion-mnist-pal-noisy_0.2-s1-init-typiclust"
    deep = {**config, "dataset": "imagefolder:/data/" + "a" * 300}
    other = {**config, "dataset": "imagefolder:/data/" + "a" * 299 + "b"}
    assert len(run_name(deep)) == 200 and run_name(deep).startswith("imagefolder_data_aaa")
    assert run_name(deep) != run_name(other)


@pytest.mark.parametrize(
    ("summary", "finished"),
    [
        ({"status": "finished"}, True),
        ({"status": RunStatus.FINISHED}, True),
        ({"status": "interrupted"}, False),
        ({"status": "running"}, False),
        ({}, False),
        (None, False),
    ],
)
def test_is_finished_reads_the_status(summary, finished) -> None:
    assert is_finished(summary) is finished
