"""Named random streams.

Every random draw in policysim comes from a stream named for what it draws ("demand.arrivals",
"router.ties", ...). A stream is a numpy ``Generator`` seeded by a ``SeedSequence`` built from
(seed, design point, replication, crc32(name)), except that **buyer-side streams** (names
starting with ``demand.``) leave the design point out: (seed, 0, replication, crc32(name)).
So:

- two runs with the same seed and replication draw the same buyers whatever else differs
  (team size, pay scheme, *and design point of a sweep*): common random numbers for paired
  comparisons, and main effects of a sweep that carry no demand noise;
- agent-side streams (abilities, choices, quits, routing ties) still differ between design
  points, so the points of a sweep are not copies of one team;
- adding a new stream never shifts the numbers of an existing one;
- results do not depend on which worker runs a replication.
"""

from __future__ import annotations

import zlib

import numpy as np


#: Streams whose names start with this prefix draw the buyers; they ignore the design point.
BUYER_SIDE = "demand."


def stream(seed: int, rep: int, name: str, point: int = 0) -> np.random.Generator:
    """Return the generator for stream ``name`` of replication ``rep`` at design ``point``
    (buyer-side streams, ``demand.*``, are the same at every design point)."""
    if name.startswith(BUYER_SIDE):
        point = 0
    key = [int(seed) & 0xFFFFFFFF, int(seed) >> 32, int(point), int(rep), zlib.crc32(name.encode())]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


class Uniforms:
    """Uniform(0, 1) numbers from a stream, drawn in blocks so single draws cost little."""

    __slots__ = ("_gen", "_buf", "_i", "_block")

    def __init__(self, gen: np.random.Generator, block: int = 4096) -> None:
        self._gen = gen
        self._block = block
        self._buf: list[float] = []
        self._i = 0

    def next(self) -> float:
        """Return the next uniform number."""
        if self._i >= len(self._buf):
            self._buf = self._gen.random(self._block).tolist()
            self._i = 0
        u = self._buf[self._i]
        self._i += 1
        return u
