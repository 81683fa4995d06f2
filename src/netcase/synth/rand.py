"""Fast, seeded randomness for per-record decisions.

numpy draws arrays quickly but a scalar call costs about a microsecond; the generator makes millions of
small decisions (drop an accent? swap surnames?). ``Dice`` draws uniforms from a numpy ``Generator`` in
blocks and hands them out one by one, so the world stays a pure function of the seed while per-record
decisions cost a list index.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")
_POW10 = [10**k for k in range(13)]


class Dice:
    """Uniform draws in blocks from a numpy Generator, with small helpers on top."""

    __slots__ = ("rng", "_buf", "_i", "_n")

    def __init__(self, rng: np.random.Generator, block: int = 1 << 15) -> None:
        self.rng = rng
        self._n = block
        self._buf: list[float] = rng.random(block).tolist()
        self._i = 0

    def u(self) -> float:
        """One uniform in [0, 1)."""
        i = self._i
        if i >= self._n:
            self._buf = self.rng.random(self._n).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        # Inlined ``u()``: this is the hottest call of the generator.
        i = self._i
        if i >= self._n:
            self._buf = self.rng.random(self._n).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i] < p

    def below(self, n: int) -> int:
        """An integer in ``[0, n)``."""
        i = self._i
        if i >= self._n:
            self._buf = self.rng.random(self._n).tolist()
            i = 0
        self._i = i + 1
        return int(self._buf[i] * n)

    def between(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]``."""
        return lo + int(self.u() * (hi - lo + 1))

    def pick(self, seq: Sequence[T]) -> T:
        """A uniformly chosen element."""
        i = self._i
        if i >= self._n:
            self._buf = self.rng.random(self._n).tolist()
            i = 0
        self._i = i + 1
        return seq[int(self._buf[i] * len(seq))]

    def weighted(self, items: Sequence[T], cum: Sequence[float]) -> T:
        """An element chosen by cumulative weights ``cum`` (last value is the total)."""
        return items[min(bisect_right(cum, self.u() * cum[-1]), len(items) - 1)]

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        """``k`` distinct elements (all of them when ``k >= len(seq)``), order random."""
        n = len(seq)
        if k >= n:
            out = list(seq)
            for i in range(n - 1, 0, -1):
                j = int(self.u() * (i + 1))
                out[i], out[j] = out[j], out[i]
            return out
        chosen: dict[int, None] = {}
        while len(chosen) < k:
            chosen[int(self.u() * n)] = None
        return [seq[i] for i in chosen]

    def poisson(self, lam: float) -> int:
        """A Poisson count (Knuth for small means, a rounded normal for large)."""
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, int(round(lam + math.sqrt(lam) * self.normal())))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.u()
            if p <= limit:
                return k
            k += 1

    def normal(self) -> float:
        """A standard normal (Box–Muller)."""
        u1 = self.u() or 1e-12
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2 * math.pi * self.u())

    def lognormal(self, median: float, sigma: float) -> float:
        """A log-normal value with the given median."""
        return median * math.exp(sigma * self.normal())

    def digits(self, n: int) -> str:
        """``n`` random decimal digits."""
        # One uniform carries about 15 decimal digits: draw in chunks of up to 12, zero-padded by
        # adding 10**k and dropping the leading 1.
        if n <= 12:
            p = _POW10[n]
            return str(int(self.u() * p) + p)[1:]
        return self.digits(12) + self.digits(n - 12)

    def letters(self, n: int) -> str:
        """``n`` random capital letters (no I, O, Q: plates and passports avoid them)."""
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return "".join(alphabet[int(self.u() * len(alphabet))] for _ in range(n))


def cumulative(weights: Sequence[float]) -> list[float]:
    """Running sums of ``weights``, for ``Dice.weighted``."""
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def streams(seed: int, names: Sequence[str]) -> dict[str, Dice]:
    """One independent ``Dice`` per name, all derived from ``seed``.

    Each output file gets its own stream, so changing how one file is written does not shift the
    random numbers (and so the content) of the others.
    """
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {name: Dice(np.random.default_rng(child)) for name, child in zip(names, children, strict=True)}
