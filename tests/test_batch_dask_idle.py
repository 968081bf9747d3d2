"""The LocalCluster of `--scheduler local-cluster` lets the batch process idle (batch/executors.py,
LOCAL_CLUSTER_CONFIG): the scheduler and both nannies live in the batch process, on the cores the workers need.

Measured in session 8 (2 workers, 8 s each, twice): distributed's default timers cost the batch process 68–70 ms
of CPU per second of an idle cluster — the event-loop tick every 20 ms of each server, the memory monitors every
100 ms, the system monitor every 500 ms — and ours 10–11 ms. The test compares the two in the same run, so a
loaded machine slows both: ours must use less than half of the default's CPU.
"""

from __future__ import annotations

import time

import dask
from distributed import Client

from xlrubric.batch import executors


def _idle_cpu_per_second(config: dict, seconds: float = 3.0) -> float:
    with dask.config.set(config), executors.local_cluster(2) as cluster, Client(cluster):
        time.sleep(1.0)                           # past the workers' start and first heartbeats
        cpu, wall = time.process_time(), time.perf_counter()
        time.sleep(seconds)
        return (time.process_time() - cpu) / (time.perf_counter() - wall)


def test_idle_local_cluster_costs_the_batch_process_far_less_than_distributed_defaults(monkeypatch):
    """Verify an idle `local_cluster` uses under half the batch process's CPU that the same cluster with
    distributed's default tick and monitor intervals does (measured 10–11 against 68–70 ms per second)."""
    ours = _idle_cpu_per_second({})
    defaults = {"distributed.admin.tick.interval": "20ms", "distributed.admin.system-monitor.interval": "500ms",
                "distributed.worker.memory.monitor-interval": "100ms"}
    monkeypatch.setattr(executors, "LOCAL_CLUSTER_CONFIG",
                        {k: v for k, v in executors.LOCAL_CLUSTER_CONFIG.items() if k not in defaults})
    default = _idle_cpu_per_second(defaults)
    assert ours < 0.5 * default, (ours, default)
