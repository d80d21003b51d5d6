"""ConfigPanel: the run's resolved configuration, compact enough for two lines at 80 columns."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from palsim.events import plain

# Shown first, in this order; any other key follows alphabetically.
KEY_ORDER = (
    "dataset",
    "strategy",
    "oracle",
    "seed",
    "noise_seed",
    "initial",
    "budget",
    "cycles",
    "epochs",
    "preset",
    "model",
    "device",
)
HIDDEN = frozenset({"name"})  # already in the status line
NESTING = 3  # deeper lists and dicts show as "…": a hostile config may nest a thousand levels


def format_value(value: Any, depth: int = 0) -> str:
    """A config value as plain text (no control characters)."""
    if depth > NESTING:
        return "…"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ",".join(f"{plain(k)}={format_value(v, depth + 1)}" for k, v in value.items())
    if isinstance(value, list):
        return ",".join(format_value(v, depth + 1) for v in value)
    return plain(value)


def config_text(config: dict[str, Any]) -> Text:
    """`key value` pairs separated by dots, keys dimmed."""
    if not config:
        return Text("no config.json yet", style="dim")
    keys = [k for k in KEY_ORDER if k in config]
    keys += sorted(k for k in config if k not in KEY_ORDER and k not in HIDDEN)
    # Unset options (None, empty) say nothing and would push the rest out of view.
    keys = [k for k in keys if config[k] is not None and config[k] != {} and config[k] != []]
    text = Text()
    for index, key in enumerate(keys):
        if index:
            text.append(" · ", "dim")
        text.append(f"{plain(key)} ", "dim")
        text.append(format_value(config[key]))
    return text


class ConfigPanel(Widget):
    """The configuration of the run being shown."""

    # layout=True: the panel is as tall as its wrapped text, which changes with the config.
    config: reactive[dict[str, Any]] = reactive(dict, layout=True)

    def render(self) -> Text:
        return config_text(self.config)
