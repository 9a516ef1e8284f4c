import asyncio

from monitor.registry.pacing import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_request_per_second_evenly() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=1.0, clock=clock)
    assert bucket.delay() == 0
    bucket._tokens -= 1  # noqa: SLF001  (one request taken)
    assert bucket.delay() == 1.0
    clock.now = 0.4
    assert abs(bucket.delay() - 0.6) < 1e-9
    clock.now = 5.0  # idle time does not bank a burst beyond the capacity
    assert bucket.delay() == 0 and bucket._tokens == 1  # noqa: SLF001


def test_a_burst_capacity_and_no_limit() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=2.0, capacity=3, clock=clock)
    for _ in range(3):
        assert bucket.delay() == 0
        bucket._tokens -= 1  # noqa: SLF001
    assert bucket.delay() == 0.5
    free = TokenBucket(rate=0)
    asyncio.run(free.take())
    assert free.delay() == 0


def test_take_waits_in_real_time() -> None:
    bucket = TokenBucket(rate=20.0)

    async def five() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for _ in range(5):
            await bucket.take()
        return loop.time() - start

    assert 0.18 <= asyncio.run(five()) < 1.0  # 4 waits of 50 ms
