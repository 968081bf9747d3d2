"""Schools in chunks on the LocalCluster (`--scheduler local-cluster`), each school still recorded as it finishes.

Why chunks: the LocalCluster's scheduler, both nannies and the client live in the batch process, on the two cores
the workers need. Every Dask task costs that process a fixed round of messages (the graph update, the worker's
task-finished, the client's gather through the scheduler, the release) — measured 12–14 ms of CPU per school with
one school per task against the process pool's 4 ms; 8 schools per task brought it to 7–8 ms (issue 16, N = 200).

What chunks must not cost (the guarantees of tests/test_batch_durable.py, test_batch_hostile.py, test_batch_resume.py):
- Each school is recorded the moment it finishes, not when its chunk does: the worker publishes each outcome on a
  Dask event topic (`Worker.log_event`, distributed's own pub/sub) and the batch process records it on arrival.
  The chunk's own result carries only an outcome whose event could not be sent. A worker sends a school's event
  before its chunk's completion on the same ordered stream, so by the time a chunk is done its events are in.
- A worker killed mid-file costs only that school: the LocalCluster runs with `allowed-failures: 0`, so a chunk
  whose worker dies fails at once instead of being rerun from its first school (which would rewrite outputs already
  recorded); its schools not yet recorded are then retried one per task, and a school that kills its worker again,
  alone, is recorded unreadable — the process pool's rule (executors.run_pool). "Alone" is the whole cluster: the
  retries wait until every chunk is done and then run one at a time, because a worker's death fails every task the
  scheduler had placed on it, and a retry placed beside another school's retry (or a chunk) would be blamed for a
  death that was not its own.
- Load balance at the end: chunks are cut from the biggest schools first (orchestrate.plan sorts them) and the last
  `2 × workers` schools, the smallest, go one per task, so no worker waits long for the other's last chunk.
"""

from __future__ import annotations

import pickle
import queue
import uuid
from collections import deque
from collections.abc import Iterator, Sequence

from xlrubric.batch.worker import Outcome, Task, process_one

MOST = 8                  # schools per task at most
PER_WORKER = 8            # chunks per worker at least (smaller chunks for a small county)


def plan_chunks(tasks: Sequence[Task], workers: int, most: int = MOST) -> list[tuple[Task, ...]]:
    """`tasks` cut in order into chunks of up to `most`, the last `2 × workers` one per chunk."""
    size = max(1, min(most, len(tasks) // (max(1, workers) * PER_WORKER)))
    tail = min(len(tasks), 2 * max(1, workers)) if size > 1 else 0
    head = len(tasks) - tail
    chunks = [tuple(tasks[i:min(i + size, head)]) for i in range(0, head, size)]
    return chunks + [(t,) for t in tasks[head:]]


def process_chunk(tasks: tuple[Task, ...], topic: str) -> list[Outcome]:
    """Run on a Dask worker: `process_one` each school and publish its outcome on `topic` as soon as it is done;
    return the outcomes that could not be published (none on a worker)."""
    unsent = []
    for task in tasks:
        outcome = process_one(task)
        try:
            from distributed import get_worker

            get_worker().log_event(topic, pickle.dumps(outcome))
        except Exception:  # noqa: BLE001 — not on a worker (or the stream refused it): the result carries it
            unsent.append(outcome)
    return unsent


def run_chunks(client, tasks: Sequence[Task], workers: int, *, crashed, killed: type[BaseException]
               ) -> Iterator[Outcome]:
    """Outcomes in completion order of `tasks` run in chunks on `client`'s cluster (see the module docstring).

    `crashed(task, detail, unreadable=)` makes a dead worker's outcome (executors.crashed); `killed` is
    distributed's KilledWorker. Cancels what has not run when the caller stops (Ctrl-C, a full disk)."""
    topic = f"xlrubric-outcomes-{uuid.uuid4().hex}"
    inbox: queue.SimpleQueue = queue.SimpleQueue()       # pickled outcomes (events) and finished futures
    client.subscribe_topic(topic, lambda event: inbox.put(event[1]))
    pending: dict = {}                                   # future key -> (future, chunk, retried alone)
    recorded: set[str] = set()
    suspects: deque[Task] = deque()                      # a failed chunk's unrecorded schools, retried at the end

    def submit(chunks: list[tuple[Task, ...]], retry: bool) -> None:
        for fut, chunk in zip(client.map(process_chunk, chunks, topic=topic, pure=False), chunks, strict=True):
            pending[fut.key] = (fut, chunk, retry)
            fut.add_done_callback(inbox.put)

    def new(outcome: Outcome) -> bool:
        if outcome.entry.input in recorded:
            return False
        recorded.add(outcome.entry.input)
        return True

    try:
        submit(plan_chunks(tasks, workers), retry=False)
        while pending or suspects:
            if not pending:                              # nothing else on the cluster: one suspect, alone
                submit([(suspects.popleft(),)], retry=True)
            item = inbox.get()
            if isinstance(item, bytes):
                outcome = pickle.loads(item)  # noqa: S301 — our own worker's outcome, over our own cluster
                if new(outcome):
                    yield outcome
                continue
            if item.key not in pending:
                continue
            fut, chunk, retried = pending.pop(item.key)
            try:
                late = fut.result()
            except Exception as exc:  # noqa: BLE001 — a lost worker (KilledWorker), or the task itself failed
                if not retried:
                    suspects.extend(t for t in chunk if t.rel not in recorded)
                else:
                    yield crashed(chunk[0], f"{type(exc).__name__}: {exc}",
                                  unreadable=isinstance(exc, killed))
                continue
            finally:
                fut.release()
            for outcome in late:
                if new(outcome):
                    yield outcome
    finally:
        try:
            client.cancel([f for f, _, _ in pending.values()])
        finally:
            client.unsubscribe_topic(topic)
