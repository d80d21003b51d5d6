"""Label-noise models (simulated annotators) and their spec language. numpy only, no torch."""

from oracles.base import Annotation, Answer, Oracle
from oracles.spec import FORMS, parse

__all__ = ["FORMS", "Annotation", "Answer", "Oracle", "parse"]
