"""Count, mean and spread of numbers in one pass, finite for any finite input: arithmetic only."""
from __future__ import annotations

import math
import sys

_LOWEST_EXPONENT = sys.float_info.min_exp - sys.float_info.mant_dig  # 2**-1074, the smallest step


def _exponent(value: float) -> int:
    """The e with |value| < 2**e."""
    return math.frexp(value)[1]


def _times_power_of_two(scaled: float, exponent: int) -> float:
    """scaled · 2**exponent, or ±inf where that is past the largest double (math.ldexp would raise)."""
    if scaled and _exponent(scaled) + exponent > sys.float_info.max_exp:
        return math.copysign(math.inf, scaled)
    return math.ldexp(scaled, exponent)


class Moments:
    """Count, mean and population standard deviation of numbers, in one pass, finite for any finite input.

    Everything runs on the values times 2**-exponent, where 2**exponent is above the largest magnitude
    seen: every scaled value lies in (-1, 1), so no running figure can overflow, however near the
    largest double the values are. When a larger value comes the scale grows and the running figures
    are rescaled by a power of two, which is exact (what underflows then is below the new values' own
    precision). The sum of squared deviations is Welford's update; the mean is a compensated
    (Neumaier) sum divided once at the end, near exact even where large values cancel."""

    __slots__ = ("count", "low", "high", "_exponent", "_bound", "_mean", "_m2", "_sum", "_carry")

    def __init__(self) -> None:
        self.count = 0
        self.low, self.high = math.inf, -math.inf
        self._exponent, self._bound = _LOWEST_EXPONENT, math.ldexp(1.0, _LOWEST_EXPONENT)
        self._mean = self._m2 = self._sum = self._carry = 0.0

    def add(self, value: float, times: int = 1) -> None:
        """One finite float, `times` over (a NaN or an infinity would make every figure meaningless).

        Adding a value n times at once is Welford's update with a weight: the same figures as n adds, within
        rounding, for the cost of one."""
        if times <= 0:
            return
        if abs(value) >= self._bound:
            self._widen(_exponent(value))
        scaled = math.ldexp(value, -self._exponent)
        self.count += times
        delta = scaled - self._mean
        self._mean += delta * times / self.count
        self._m2 += delta * (scaled - self._mean) * times
        scaled *= times  # the product rounds once: at most half an ulp of |value| per unit of the mean
        total = self._sum + scaled
        if abs(self._sum) >= abs(scaled):
            self._carry += (self._sum - total) + scaled
        else:
            self._carry += (scaled - total) + self._sum
        self._sum = total
        self.low, self.high = min(self.low, value), max(self.high, value)

    def _widen(self, exponent: int) -> None:
        shift = self._exponent - exponent
        self._mean, self._m2 = math.ldexp(self._mean, shift), math.ldexp(self._m2, 2 * shift)
        self._sum, self._carry = math.ldexp(self._sum, shift), math.ldexp(self._carry, shift)
        self._exponent = exponent
        self._bound = math.ldexp(1.0, exponent) if exponent < sys.float_info.max_exp else math.inf

    @property
    def mean(self) -> float | None:
        if not self.count:
            return None
        # The true mean lies between the extremes; held there, rounding can never carry it past them.
        scaled = (self._sum + self._carry) / self.count
        return min(max(_times_power_of_two(scaled, self._exponent), self.low), self.high)

    @property
    def sd(self) -> float | None:
        if not self.count:
            return None
        spread = self.high - self.low
        ceiling = spread / 2 if math.isfinite(spread) else self.high / 2 - self.low / 2  # at most half the range
        scaled = math.sqrt(max(self._m2, 0.0) / self.count)
        return min(_times_power_of_two(scaled, self._exponent), ceiling)
