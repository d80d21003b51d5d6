"""Every random stream derives from (seed, cycle, purpose), never from one carried generator.

A resumed run replays cycle c from these seeds and the saved labeled set, so it ends
bit-identical to an uninterrupted run.
"""

from __future__ import annotations

import zlib

import numpy as np
import torch


def derive_seed(seed: int, cycle: int, purpose: str) -> int:
    """A 63-bit seed that depends on the run seed, the cycle and the purpose name."""
    entropy = [seed & 0xFFFFFFFF, (cycle + 1) & 0xFFFFFFFF, zlib.crc32(purpose.encode())]
    state = np.random.SeedSequence(entropy).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 31 | int(state[1]) >> 1) & 0x7FFFFFFFFFFFFFFF


def numpy_rng(seed: int, cycle: int, purpose: str) -> np.random.Generator:
    return np.random.default_rng(derive_seed(seed, cycle, purpose))


def torch_generator(seed: int, cycle: int, purpose: str) -> torch.Generator:
    """A CPU generator (random indices are drawn on the CPU, then moved)."""
    generator = torch.Generator()
    generator.manual_seed(derive_seed(seed, cycle, purpose))
    return generator
