"""Stay under the service's rate limit by reading its `x-rate-limit-*` headers.

The service counts requests per token in fixed windows and tells, on every
answer, the ceiling, what is left and when the window ends. It does not say
how long a window is, so a client-side token bucket configured in advance
would guess; `RateBudget` instead spends exactly what the headers allow:

- before a request, a worker reserves one request from the budget; the
  budget is what the service last reported as remaining, minus requests
  still in flight (they may or may not have been counted yet);
- when the budget is spent, every worker waits until the window's reset;
- after the reset passes, the full `limit` is available again, until an
  answer reports on the new window;
- a 429 blocks every worker until the reset that came with it;
- before anything is known, one request at a time probes the headers.

One `RateBudget` belongs to one client and is shared by its worker threads.
Clock and sleep are injectable so the maths is tested without waiting.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from reconciler.api.errors import TooManyRequests

EPOCH_THRESHOLD = 1e9
"""A reset above this is an epoch timestamp (2001 or later); below, seconds remaining."""
MAX_RESET_WAIT = 120.0
"""No reset is trusted further out than this: a bogus header must not park us for hours."""
SKEW_TOLERANCE = 2.0
"""Server and local clocks closer than this count as equal (the Date header has 1 s steps)."""
SAME_WINDOW_TOLERANCE = 1.0
"""Resets closer than this name the same window (delta-style resets wobble by a second)."""
DEFAULT_MARGIN = 0.05
"""Extra wait after a reset, so our first request lands in the new window."""
PROBE_POLL = 0.25
"""How long a worker waits for the probe's answer before looking again."""
BLOCK_WITHOUT_RESET = 1.0
"""Wait after a 429 that carries no usable reset header."""


@dataclass(frozen=True)
class RateHeaders:
    """The three rate-limit headers of one answer; `reset_at` on the local epoch clock."""

    limit: int | None
    remaining: int | None
    reset_at: float | None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return max(0, int(float(value)))
    except ValueError:
        return None


def _server_time(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def parse_reset(value: str | None, *, now: float, server_now: float | None = None) -> float | None:
    """Local epoch time at which the window ends, from `x-rate-limit-reset`.

    The document calls it "the remaining window ... in UTC epoch seconds": a
    large number is an epoch (corrected for clock skew against the answer's
    `Date` when they differ by more than a Date step), a small one is seconds
    remaining. The result is clamped to [now, now + MAX_RESET_WAIT].
    """
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    if number > EPOCH_THRESHOLD:
        if server_now is not None and abs(server_now - now) > SKEW_TOLERANCE:
            number += now - server_now
        reset_at = number
    else:
        reset_at = now + number
    return min(max(reset_at, now), now + MAX_RESET_WAIT)


def parse_rate_headers(headers: Mapping[str, str], *, now: float) -> RateHeaders | None:
    """Read the x-rate-limit-* headers of an answer; None when it carries none."""
    limit = _int_header(headers, "x-rate-limit-limit")
    remaining = _int_header(headers, "x-rate-limit-remaining")
    reset_at = parse_reset(
        headers.get("x-rate-limit-reset"), now=now, server_now=_server_time(headers)
    )
    if limit is None and remaining is None and reset_at is None:
        return None
    return RateHeaders(limit=limit, remaining=remaining, reset_at=reset_at)


class RateBudget:
    """A thread-safe budget of requests, fed by the service's rate-limit headers."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        """`sleep=None` waits on a condition, so an answer can wake waiting workers early."""
        self._clock = clock
        self._sleep = sleep
        self._margin = margin
        self._cond = threading.Condition()
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset_at: float | None = None
        self.in_flight = 0
        self.blocked_until = 0.0
        self._expired_reset = 0.0  # reset of the last window we saw end; older reports are stale

    def delay(self, now: float) -> float:
        """Seconds to wait before one more request may go (0: go now). Caller holds the lock."""
        if now < self.blocked_until:
            return self.blocked_until - now
        if self.reset_at is not None and now >= self.reset_at + self._margin:
            # The window has ended: the next one starts full.
            self._expired_reset = self.reset_at
            self.remaining, self.reset_at = None, None
        if self.limit is None:
            return 0.0 if self.in_flight == 0 else PROBE_POLL
        budget = self.limit if self.remaining is None else self.remaining
        if budget - self.in_flight > 0:
            return 0.0
        if self.reset_at is not None:
            return self.reset_at + self._margin - now
        # Spent the optimistic budget of a new window before any answer: wait for one.
        return PROBE_POLL

    def wait_seconds(self) -> float:
        """How long a new request would wait now (0: none), for progress displays."""
        with self._cond:
            return max(0.0, self.delay(self._clock()))

    def acquire(self, deadline: float) -> None:
        """Block until a request may go, and reserve it; TooManyRequests past `deadline`."""
        with self._cond:
            while True:
                now = self._clock()
                wait = self.delay(now)
                if wait <= 0:
                    self.in_flight += 1
                    return
                if now + wait > deadline:
                    raise TooManyRequests(
                        f"rate limit: the next slot is {wait:.1f} s away, past the call's deadline",
                        status=None,
                        reset_at=now + wait,
                    )
                self._pause(wait)

    def release(self, headers: RateHeaders | None, *, status: int | None = None) -> None:
        """Return a reservation, learning from the answer's headers (None: no answer)."""
        with self._cond:
            self.in_flight = max(0, self.in_flight - 1)
            if headers is not None:
                self._learn(headers)
            if status == 429:
                reset = headers.reset_at if headers is not None else None
                until = reset if reset is not None else self._clock() + BLOCK_WITHOUT_RESET
                self.blocked_until = max(self.blocked_until, until + self._margin)
            self._cond.notify_all()

    def _learn(self, headers: RateHeaders) -> None:
        if headers.limit is not None:
            self.limit = headers.limit
        if headers.remaining is None or headers.reset_at is None:
            return
        reset, remaining = headers.reset_at, headers.remaining
        if reset <= self._expired_reset + SAME_WINDOW_TOLERANCE:
            return  # a late answer from a window that has already ended
        if self.reset_at is None or reset > self.reset_at + SAME_WINDOW_TOLERANCE:
            self.reset_at, self.remaining = reset, remaining
        elif reset >= self.reset_at - SAME_WINDOW_TOLERANCE:
            # Same window: the smallest remaining is the latest count.
            self.remaining = remaining if self.remaining is None else min(self.remaining, remaining)
            self.reset_at = max(self.reset_at, reset)
        if self.limit is None:
            self.limit = remaining + 1

    def _pause(self, seconds: float) -> None:
        if self._sleep is None:
            self._cond.wait(timeout=seconds)
            return
        self._cond.release()
        try:
            self._sleep(seconds)
        finally:
            self._cond.acquire()
