"""Query strategies, behind one registry: ``STRATEGIES.get(name)(options)``."""

from palsim.registry import Registry
from palsim.strategies.base import QueryContext, Selection, Strategy, TrainSettings

STRATEGIES: Registry[type[Strategy]] = Registry("strategy")

__all__ = ["STRATEGIES", "QueryContext", "Selection", "Strategy", "TrainSettings", "load_all"]


def load_all() -> Registry[type[Strategy]]:
    """Import every strategy module so that it registers itself; return the registry."""
    from palsim.strategies import (  # noqa: F401
        badge,
        bald,
        coreset,
        learning_loss,
        pal,
        probcover,
        random,
        typiclust,
        uncertainty,
        vaal,
    )

    return STRATEGIES
