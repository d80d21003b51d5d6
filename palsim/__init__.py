"""palsim: simulated noisy-oracle active-learning studies.

This module stays light (no torch) so that ``tui`` and ``oracles`` can import
``palsim.events`` cheaply.
"""

__version__ = "0.1.0"
