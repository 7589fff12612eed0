"""What the event plumbing does while the channel layer's Redis is away (the sockets' side is in
test_consumer.py; the whole outage runs for real in tests/bench/test_bench_load.py)."""

from __future__ import annotations

import asyncio

from redis.exceptions import ConnectionError as RedisConnectionError

from generation import events


def test_a_layer_task_failing_for_an_outage_is_one_log_line_and_anything_else_goes_to_asyncio(caplog):
    loop = asyncio.new_event_loop()
    passed_on = []
    loop.default_exception_handler = passed_on.append  # type: ignore[method-assign]
    try:
        outage = RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        events.quiet_layer_outages(loop, {"message": "Task exception was never retrieved", "exception": outage})
        assert passed_on == []
        assert [r.getMessage() for r in caplog.records if r.name == "generation.events"] == [
            f"channel layer unreachable in a background task ({outage})"
        ]
        assert all(r.exc_info is None for r in caplog.records)
        bug = {"message": "Task exception was never retrieved", "exception": ValueError("a real bug")}
        events.quiet_layer_outages(loop, bug)
        assert passed_on == [bug]  # a bug still gets asyncio's traceback
    finally:
        loop.close()
