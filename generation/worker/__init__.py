"""The worker side of a process: it claims queued jobs and runs them through the engine.

- `jobs`: run one job (claim, engine, progress events, stored images, outcome, retry);
- `liveness`: the heartbeat of running jobs and the reaper of jobs whose worker died;
- `engines`: the per-process engine cache (models load once, then stay warm);
- `identity`: worker ids, and the opaque label clients see;
- `loop`: the queue loop, in its own process (`manage.py generation_worker`) or, in the embedded
  profile, in threads of the web server.

Nothing here is imported by the web side except `loop` (to start the embedded worker) and the
task in `generation.tasks`; the web side's writes live in `generation.services`.
"""
