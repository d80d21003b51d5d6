"""The selected cycle's diagnostics as text: how well each network learned, and its warnings.

Reads the ``diagnostics`` and ``warnings`` of a cycle record (``cycle_finished`` or
summary.json). Run folders are untrusted: values that are not numbers are skipped, and text
is shown as plain text, never as markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from palsim.events import plain

WARNING_STYLE = "bold bright_red"
#: (key, label, format) of the numbers shown, in this order, when a record has them.
SHOWN = (
    ("train_accuracy", "task fit", "{:.1%}"),
    ("train_accuracy_true", "on true labels", "{:.1%}"),
    ("pal_rotation_accuracy_pool", "PAL rotation (pool)", "{:.1%}"),
    ("pal_contrastive_accuracy_pool", "PAL view matching (pool)", "{:.1%}"),
    ("pal_contrastive_chance_pool", "chance", "{:.1%}"),
    ("pal_class_accuracy_labeled", "PAL class head", "{:.1%}"),
    ("pal_pixel_accuracy_labeled", "PAL pixel head", "{:.1%}"),
    ("pal_finetune_shift_picked", "fine-tune shift picked", "{:+.3f}"),
    ("pal_finetune_shift_rest", "rest", "{:+.3f}"),
    ("vaal_discriminator_loss", "VAAL discriminator loss (chance 0.693)", "{:.3f}"),
    ("ll_ranking_accuracy", "loss ranking (chance 50%)", "{:.1%}"),
)


def diagnostics_lines(record: dict[str, Any] | None) -> list[Text]:
    """One line of numbers and one line per warning; nothing for a record without them."""
    if not record:
        return []
    values = record.get("diagnostics")
    parts = []
    if isinstance(values, dict):
        for key, label, form in SHOWN:
            value = values.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                parts.append(f"{label} {form.format(value)}")
    lines = [Text(" · ".join(parts), style="dim")] if parts else []
    warnings = record.get("warnings")
    if isinstance(warnings, list):
        lines += [
            Text(f"! {plain(line)}", style=WARNING_STYLE)
            for line in warnings
            if isinstance(line, str)
        ]
    return lines
