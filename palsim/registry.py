"""One registry type for datasets, models and strategies (after timm's ``register_model``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of factories with a one-line description each."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, tuple[T, str]] = {}

    def register(self, name: str, description: str = "") -> Callable[[T], T]:
        """Decorator: register ``obj`` under ``name``."""

        def decorator(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = (obj, description)
            return obj

        return decorator

    def get(self, name: str) -> T:
        """Return the entry for ``name`` or raise ValueError naming the valid choices."""
        try:
            return self._entries[name][0]
        except KeyError:
            choices = ", ".join(self.names())
            raise ValueError(f"unknown {self.kind} {name!r}; choose one of: {choices}") from None

    def names(self) -> list[str]:
        return list(self._entries)

    def describe(self) -> list[tuple[str, str]]:
        """(name, description) pairs in registration order."""
        return [(name, description) for name, (_, description) in self._entries.items()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries
