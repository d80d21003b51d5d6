"""Parsers for the values of a study configuration: amounts, class lists, key=value items, names.

Each turns text into a typed value once, at the edge, and raises ValueError with one line that
names the problem and the valid forms. Standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Longest file or folder name most file systems accept, in bytes (NAME_MAX on Linux).
NAME_MAX = 255


@dataclass(frozen=True)
class Amount:
    """A number of pool samples: a fraction of the pool (``0.1``) or a count (``500``)."""

    value: float | int  # float: a fraction in [0, 1]; int: a count

    def count(self, pool_size: int) -> int:
        """The number of samples this amount means for a pool of ``pool_size``."""
        if isinstance(self.value, float):
            return round(self.value * pool_size)
        return self.value


@dataclass(frozen=True)
class ClassChoice:
    """Classes kept out of the initial labeled set: listed ones, or N drawn from the seed."""

    classes: tuple[int, ...] = ()  # class numbers, sorted, distinct
    random_count: int = 0  # this many classes drawn from the run seed instead

    def __bool__(self) -> bool:
        return bool(self.classes) or self.random_count > 0

    def check(self, num_classes: int, text: str) -> None:
        """Raise ValueError unless the choice fits a ``num_classes``-class dataset."""
        if self.random_count and self.random_count >= num_classes:
            raise ValueError(f"exclude-classes {text!r}: N must lie in 1..{num_classes - 1}")
        if self.classes and (self.classes[-1] >= num_classes or len(self.classes) >= num_classes):
            raise ValueError(
                f"exclude-classes {text!r}: classes must lie in 0..{num_classes - 1}, not all"
            )


def parse_amount(text: str, what: str) -> float | int:
    """``"0.1"`` is a fraction of the pool, ``"500"`` a count; negative values are errors."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"{what} {text!r} is neither a fraction like 0.1 nor a count like 500"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"{what} {text!r} must be a finite number, a fraction or a count")
    if value < 0:
        raise ValueError(f"{what} {text!r} must not be negative")
    if "." in str(text) or "e" in str(text).lower():
        if value > 1:
            raise ValueError(f"{what} {text!r}: a fraction must lie in [0, 1]")
        return value
    return int(value)


def amount_to_count(text: str, pool_size: int, what: str) -> int:
    """Resolve a fraction or count against the pool size."""
    return Amount(parse_amount(text, what)).count(pool_size)


def parse_key_values(items: list[str], what: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` to a dict; an item without ``=`` is an error."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what} {item!r} is not of the form key=value")
        values[key.strip()] = value.strip()
    return values


def parse_class_choice(text: str) -> ClassChoice:
    """``"3,5"`` -> classes (3, 5); ``"random:2"`` -> two classes drawn from the seed."""
    if text.startswith("random:"):
        try:
            count = int(text.partition(":")[2])
        except ValueError:
            raise ValueError(f"exclude-classes {text!r}: expected random:N") from None
        if count < 1:
            raise ValueError(f"exclude-classes {text!r}: N must be at least 1")
        return ClassChoice(random_count=count)
    try:
        classes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(
            f"exclude-classes {text!r}: expected class numbers like 3,5 or random:N"
        ) from None
    if not classes or classes[0] < 0:
        raise ValueError(f"exclude-classes {text!r}: expected class numbers 0, 1, ... like 3,5")
    return ClassChoice(classes=tuple(classes))


def parse_class_list(text: str, num_classes: int) -> tuple[list[int], int]:
    """``"3,5"`` -> ([3, 5], 0); ``"random:2"`` -> ([], 2), checked against ``num_classes``."""
    choice = parse_class_choice(text)
    choice.check(num_classes, text)
    return list(choice.classes), choice.random_count


def check_run_name(name: str, what: str = "--name") -> str:
    """A run name must be one ordinary path component, so that the run stays inside ``--out``."""
    if not name or name in (".", ".."):
        raise ValueError(f"{what} {name!r}: a run name must be a folder name like my-run")
    if "/" in name or "\\" in name:
        raise ValueError(f"{what} {name!r}: a run name is one folder name, without / or \\")
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise ValueError(f"{what} {name!r}: a run name must not hold control characters")
    if len(name.encode("utf-8", "surrogateescape")) > NAME_MAX:
        raise ValueError(f"{what}: a run name may be at most {NAME_MAX} bytes long")
    return name
