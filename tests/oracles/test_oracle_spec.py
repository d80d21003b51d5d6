import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracles
from oracles.spec import FORMS

FILE_FORMS = ("matrix:", "annotators:PATH", "replay:")


@pytest.mark.parametrize(("form", "example", "meaning"), FORMS)
def test_every_listed_example_parses(form: str, example: str, meaning: str) -> None:
    if form.startswith(FILE_FORMS):
        # The example names a file that does not exist here: the model is known, the file not.
        with pytest.raises(ValueError, match="cannot read"):
            oracles.parse(example, 10)
    else:
        oracle = oracles.parse(example, 10)
        assert oracle.spec == example
        # Instance-dependent models need per-sample inputs first (here, 200 synthetic samples).
        rng = np.random.default_rng(0)
        synthetic = {
            "train-labels": np.arange(200) % 10,
            "train-images": rng.integers(0, 256, (200, 16), dtype=np.uint8),
            "reference-probabilities": rng.dirichlet(np.ones(10), 200),
        }
        oracle.supply({want.name: synthetic[want.name] for want in oracle.sample_inputs()}, 0)
        assert oracle.transition_matrix().shape == (10, 10)
    assert meaning


@pytest.mark.parametrize(
    ("spec", "classes", "message"),
    [
        ("", 10, "unknown oracle spec ''"),
        ("noise:0.2", 10, "unknown oracle spec 'noise:0.2'"),
        ("Noisy:0.2", 10, "unknown oracle spec"),
        ("noisy", 10, r"a probability P in \[0, 1\] is missing"),
        ("noisy:x", 10, "'x' is not a number"),
        ("noisy:1.5", 10, r"'1.5' is outside \[0, 1\]"),
        ("noisy:nan", 10, "outside"),
        ("uniform-all:-0.1", 10, "outside"),
        ("perfect:0.1", 10, "perfect takes no argument"),
        ("pair:", 10, "missing"),
        ("cifar10-asym:0.2", 100, "needs the 10 CIFAR-10 classes, the dataset has 100"),
        ("matrix:", 10, "matrix needs a file path"),
        ("annotators:5", 10, "annotators needs N:RATES"),
        ("annotators:0:0.1", 10, r"annotator count 0 must lie in 1\.\.1000"),
        ("annotators:five:0.1", 10, "annotator count 'five' is not a whole number"),
        ("annotators:5:0.4-0.1", 10, "runs backwards"),
        ("annotators:5:0.1-x", 10, "must be R or LO-HI"),
        ("annotators:5:0.1:vote=6", 10, "vote=6 needs between 1 and 5"),
        ("annotators:5:0.1:vote=0", 10, r"vote 0 must lie in 1\.\.25"),
        ("annotators:5:0.1:random:round-robin", 10, "option routing is given twice"),
        ("annotators:5:0.1:fair", 10, "unknown annotators option 'fair'"),
        ("annotators:5:0.1:cost=-1", 10, "cost '-1' must be a number >= 0"),
        ("annotators:pool.json:cost=2", 10, "cost= applies to the compact form"),
        ("replay:", 10, "replay needs a file path"),
        ("perfect", 1, "needs at least 2 classes"),
    ],
)
def test_bad_specs_name_the_problem_and_the_valid_forms(
    spec: str, classes: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        oracles.parse(spec, classes)
    text = str(caught.value)
    assert "\n" not in text
    if classes >= 2:
        assert text.endswith("valid forms: " + ", ".join(form for form, _, _ in FORMS))


def test_compact_pool_options_in_any_order() -> None:
    a = oracles.parse("annotators:4:0.1-0.4:vote=3:round-robin:cost=2", 3)
    b = oracles.parse("annotators:4:0.1-0.4:cost=2:round-robin:vote=3", 3)
    for oracle in (a, b):
        assert (oracle.routing, oracle.vote) == ("round-robin", 3)  # type: ignore[attr-defined]
        assert [p.cost for p in oracle.annotator_profiles()] == [2.0] * 4


def test_replay_path_may_contain_colons(tmp_path: Path) -> None:
    folder = tmp_path / "a:b"
    folder.mkdir()
    (folder / "h.json").write_text('{"human": [0, 1]}')
    assert oracles.parse(f"replay:{folder / 'h.json'}", 2).annotator_name == "human"
    assert oracles.parse(f"replay:{folder / 'h.json'}:human", 2).annotator_name == "human"


PREFIXES = ["", "perfect", "noisy:", "uniform-all:", "pair:", "cifar10-asym:", "matrix:"]
PREFIXES += ["annotators:", "annotators:3:", "annotators:3:0.1-", "replay:", "replay:/"]


@settings(max_examples=400, deadline=None, database=None)
@given(
    prefix=st.sampled_from(PREFIXES),
    rest=st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
    | st.from_regex(
        r"[0-9.:=e-]{0,12}(vote|cost|random|round-robin)?[0-9=:.]{0,4}", fullmatch=True
    ),
    classes=st.integers(min_value=0, max_value=12),
)
def test_any_string_parses_or_raises_value_error(prefix: str, rest: str, classes: int) -> None:
    try:
        oracle = oracles.parse(prefix + rest, classes)
    except ValueError as error:
        assert str(error)
    else:
        assert oracle.transition_matrix().shape == (classes, classes)


@settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.text())
def test_arbitrary_text_parses_or_raises_value_error(text: str) -> None:
    try:
        oracles.parse(text, 10)
    except ValueError as error:
        assert str(error)


def test_importing_oracles_does_not_import_torch_or_ui_libraries() -> None:
    code = (
        "import oracles, sys; "
        "loaded = [m for m in ('torch', 'rich', 'typer', 'textual') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
