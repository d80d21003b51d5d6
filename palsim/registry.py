"""One registry type for datasets, models and strategies (after timm's ``register_model``).

Besides plain names, a registry may hold prefix forms such as ``imagefolder:PATH``: a factory
registered for the prefix receives what follows the colon and returns the entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of factories with a one-line description each."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, tuple[T, str]] = {}
        self._prefixes: dict[str, tuple[Callable[[str], T], str, str]] = {}

    def register(self, name: str, description: str = "") -> Callable[[T], T]:
        """Decorator: register ``obj`` under ``name``."""

        def decorator(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = (obj, description)
            return obj

        return decorator

    def register_prefix(
        self, prefix: str, argument: str, description: str = ""
    ) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
        """Decorator: register a factory for the names ``prefix:ARGUMENT``.

        ``argument`` names what follows the colon in listings (``PATH``); the factory gets
        that text and returns the entry, raising ValueError when the text is unusable.
        """

        def decorator(factory: Callable[[str], T]) -> Callable[[str], T]:
            if prefix in self._prefixes:
                raise ValueError(f"{self.kind} prefix {prefix!r} is already registered")
            self._prefixes[prefix] = (factory, argument, description)
            return factory

        return decorator

    def get(self, name: str) -> T:
        """Return the entry for ``name`` or raise ValueError naming the valid choices."""
        if name in self._entries:
            return self._entries[name][0]
        prefix, colon, argument = name.partition(":")
        if colon and prefix in self._prefixes:
            return self._prefixes[prefix][0](argument)
        choices = ", ".join(form for form, _ in self.describe())
        raise ValueError(f"unknown {self.kind} {name!r}; choose one of: {choices}")

    def names(self) -> list[str]:
        """The plain names (prefix forms need an argument, so they are not among them)."""
        return list(self._entries)

    def describe(self) -> list[tuple[str, str]]:
        """(name, description) pairs in registration order, then the prefix forms."""
        plain = [(name, description) for name, (_, description) in self._entries.items()]
        forms = [(f"{p}:{arg}", text) for p, (_, arg, text) in self._prefixes.items()]
        return plain + forms

    def __contains__(self, name: object) -> bool:
        """A plain name, or a prefix form (its argument is checked only by :meth:`get`)."""
        if not isinstance(name, str):
            return False
        prefix, colon, _ = name.partition(":")
        return name in self._entries or bool(colon and prefix in self._prefixes)
