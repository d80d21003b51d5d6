"""Sweeps: a grid of studies (:mod:`~palsim.sweep.grid`) run by a backend: local worker
processes (:mod:`~palsim.sweep.local`, :mod:`~palsim.sweep.worker`) or Ray tasks
(:mod:`~palsim.sweep.ray_backend`), chosen in :mod:`~palsim.sweep.backends`.
"""
