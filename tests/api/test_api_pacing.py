"""RateBudget and header parsing on a fake clock: no waiting, no network."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from reconciler.api.errors import TooManyRequests
from reconciler.api.pacing import (
    MAX_RESET_WAIT,
    PROBE_POLL,
    RateBudget,
    RateHeaders,
    parse_rate_headers,
    parse_reset,
)

NOW = 1_800_000_000.0
MARGIN = 0.05


class FakeClock:
    """A clock that moves only when something sleeps on it."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def budget_on(clock: FakeClock) -> RateBudget:
    return RateBudget(clock=clock, sleep=clock.sleep, margin=MARGIN)


def headers(limit: int, remaining: int, reset_at: float) -> RateHeaders:
    return RateHeaders(limit=limit, remaining=remaining, reset_at=reset_at)


@pytest.mark.parametrize(
    ("value", "server_now", "expected"),
    [
        (str(int(NOW) + 3), None, NOW + 3),  # epoch, as the emulator sends
        ("3", None, NOW + 3),  # a small number: seconds remaining
        ("2.5", None, NOW + 2.5),
        (str(int(NOW) + 3), NOW - 60, NOW + 3 + 60),  # server clock a minute behind ours
        (str(int(NOW) + 3), NOW - 1, NOW + 3),  # within a Date step: no correction
        (str(int(NOW) - 50), None, NOW),  # already past: now, never negative
        ("99999", None, NOW + MAX_RESET_WAIT),  # absurd: clamped
        ("soon", None, None),
        ("nan", None, None),
        (None, None, None),
    ],
)
def test_parse_reset_reads_epoch_or_delta(
    value: str | None, server_now: float | None, expected: float | None
) -> None:
    assert parse_reset(value, now=NOW, server_now=server_now) == expected


def test_parse_rate_headers_uses_the_date_header_for_skew() -> None:
    raw = {
        "x-rate-limit-limit": "100",
        "x-rate-limit-remaining": "7",
        "x-rate-limit-reset": str(int(NOW) + 30),
        "Date": formatdate(NOW - 60, usegmt=True),  # the server's clock is a minute behind
    }
    assert parse_rate_headers(raw, now=NOW) == RateHeaders(100, 7, NOW + 90)


def test_parse_rate_headers_without_headers_is_none() -> None:
    assert parse_rate_headers({"Content-Type": "application/json"}, now=NOW) is None


def test_first_request_probes_alone() -> None:
    budget = budget_on(FakeClock())
    budget.acquire(deadline=NOW + 10)
    assert budget.delay(NOW) == PROBE_POLL  # others wait for the probe's headers


def test_spends_exactly_what_the_headers_allow_then_waits_for_the_reset() -> None:
    clock = FakeClock()
    budget = budget_on(clock)
    budget.acquire(NOW + 60)
    budget.release(headers(20, 19, NOW + 3))
    for _ in range(19):
        budget.acquire(NOW + 60)
    assert clock.sleeps == []
    budget.acquire(NOW + 60)  # the 21st: waits for the window to end
    assert clock.sleeps == [pytest.approx(3 + MARGIN)]


def test_requests_in_flight_are_subtracted_from_the_remaining() -> None:
    clock = FakeClock()
    budget = budget_on(clock)
    budget.acquire(NOW + 60)
    budget.release(headers(5, 2, NOW + 3))
    budget.acquire(NOW + 60)
    budget.acquire(NOW + 60)
    assert budget.delay(NOW) == pytest.approx(3 + MARGIN)
    budget.release(headers(5, 1, NOW + 3))  # one answered: still none left
    assert budget.delay(NOW) == pytest.approx(3 + MARGIN)


def test_a_new_window_starts_with_the_full_limit() -> None:
    clock = FakeClock()
    budget = budget_on(clock)
    budget.acquire(NOW + 60)
    budget.release(headers(3, 0, NOW + 3))
    clock.now = NOW + 3 + MARGIN
    for _ in range(3):
        budget.acquire(NOW + 60)
    assert clock.sleeps == []
    assert budget.delay(clock.now) == PROBE_POLL  # spent before any answer from the new window


def test_late_answer_from_an_ended_window_is_ignored() -> None:
    clock = FakeClock()
    budget = budget_on(clock)
    budget.acquire(NOW + 60)
    budget.release(headers(10, 9, NOW + 3))
    clock.now = NOW + 4
    assert budget.delay(clock.now) == 0  # window ended: full limit
    budget.acquire(NOW + 60)
    budget.release(headers(10, 0, NOW + 3))  # straggler reporting the old window
    assert budget.remaining is None
    assert budget.delay(clock.now) == 0


def test_delta_resets_that_wobble_name_the_same_window() -> None:
    budget = budget_on(FakeClock())
    budget.acquire(NOW + 60)
    budget.release(headers(10, 5, NOW + 30))
    budget.acquire(NOW + 60)
    budget.release(headers(10, 4, NOW + 30.6))  # one second later, "29 s" rounded up
    assert budget.remaining == 4


def test_a_429_blocks_everyone_until_its_reset() -> None:
    clock = FakeClock()
    budget = budget_on(clock)
    budget.acquire(NOW + 60)
    budget.release(headers(10, 0, NOW + 2), status=429)
    budget.acquire(NOW + 60)
    assert sum(clock.sleeps) == pytest.approx(2 + MARGIN)


def test_a_429_without_reset_blocks_a_second() -> None:
    clock = FakeClock()
    budget = budget_on(clock)
    budget.acquire(NOW + 60)
    budget.release(None, status=429)
    assert budget.delay(NOW) == pytest.approx(1 + MARGIN)


def test_a_wait_past_the_deadline_raises_instead_of_sleeping() -> None:
    clock = FakeClock()
    budget = budget_on(clock)
    budget.acquire(NOW + 60)
    budget.release(headers(10, 0, NOW + 30), status=429)
    with pytest.raises(TooManyRequests) as info:
        budget.acquire(deadline=NOW + 5)
    assert "deadline" in str(info.value)
    assert clock.sleeps == []
