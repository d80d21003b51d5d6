"""The run screen's diagnostics lines: numbers a cycle record carries, and its warnings."""

from tui.diagnostics_lines import WARNING_STYLE, diagnostics_lines


def test_known_numbers_are_shown_in_order_and_warnings_one_per_line() -> None:
    record = {
        "diagnostics": {
            "train_accuracy": 0.5,
            "train_accuracy_true": 0.875,
            "pal_rotation_accuracy_pool": 0.9312,
            "pal_finetune_shift_picked": -0.25,
            "ll_ranking_accuracy": 0.6875,
        },
        "warnings": ["PAL scorer ends the cycle near chance"],
    }
    lines = diagnostics_lines(record)
    assert [line.plain for line in lines] == [
        "task fit 50.0% · on true labels 87.5% · PAL rotation (pool) 93.1% · "
        "fine-tune shift picked -0.250 · loss ranking (chance 50%) 68.8%",
        "! PAL scorer ends the cycle near chance",
    ]
    assert lines[1].style == WARNING_STYLE


def test_a_contrastive_scorer_shows_its_view_matching_with_chance_and_its_pixel_head() -> None:
    record = {
        "diagnostics": {
            "pal_contrastive_accuracy_pool": 0.625,
            "pal_contrastive_chance_pool": 0.03125,
            "pal_contrastive_accuracy_labeled": 0.75,
            "pal_pixel_accuracy_labeled": 0.9,
        },
    }
    assert [line.plain for line in diagnostics_lines(record)] == [
        "PAL view matching (pool) 62.5% · chance 3.1% · PAL pixel head 90.0%"
    ]


def test_untrusted_values_are_skipped_and_text_is_never_markup() -> None:
    record = {
        "diagnostics": {
            "train_accuracy": "0.9",
            "train_accuracy_true": True,
            "vaal_discriminator_loss": 0.6931,
        },
        "warnings": ["[bold red]x[/bold red]\x1b[2J", 7],
    }
    lines = diagnostics_lines(record)
    assert [line.plain for line in lines] == [
        "VAAL discriminator loss (chance 0.693) 0.693",
        "! [bold red]x[/bold red]\\x1b[2J",
    ]
    assert diagnostics_lines(None) == [] and diagnostics_lines({"diagnostics": []}) == []
