"""How fast the lab starts and answers at scale: one process, N simulated devices.

Prints a table; asserts nothing. Run: ``python benchmarks/lab_scale.py [N ...]``.
For each N: time to boot the devices (parse their seed configs), time to start every listener,
resident memory added, then one SSH login per device (asyncssh client, 50 at a time) and the
time to its first prompt.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import time

import asyncssh

from nornir_pack.lab import Lab

PASSWORD = "bench"
CONCURRENCY = 50


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def first_prompt(port: int, name: str, gate: asyncio.Semaphore) -> float:
    async with gate:
        started = time.perf_counter()
        async with asyncssh.connect(
            "127.0.0.1", port, username="admin", password=PASSWORD, known_hosts=None
        ) as conn:
            process = await conn.create_process(term_type="vt100")
            await asyncio.wait_for(process.stdout.readuntil(f"{name}>"), timeout=60)
        return time.perf_counter() - started


async def login_all(lab: Lab) -> list[float]:
    gate = asyncio.Semaphore(CONCURRENCY)
    devices = list(lab.devices.values())
    return await asyncio.gather(*(first_prompt(d.port, d.name, gate) for d in devices))


def measure(count: int) -> tuple[int, float, float, float, float, float, float]:
    before = rss_mib()
    booted = time.perf_counter()
    lab = Lab()
    for i in range(count):
        lab.add_device(f"d{i}", "cisco_ios" if i % 2 else "arista_eos", password=PASSWORD)
    boot_seconds = time.perf_counter() - booted
    started = time.perf_counter()
    with lab:
        start_seconds = time.perf_counter() - started
        memory = rss_mib() - before
        wall = time.perf_counter()
        latencies = asyncio.run(login_all(lab))
        wall = time.perf_counter() - wall
    p50 = statistics.median(latencies)
    p95 = sorted(latencies)[int(len(latencies) * 0.95) - 1]
    return count, boot_seconds, start_seconds, memory, wall, p50, p95


def raise_open_files_limit() -> None:
    """Each device holds a listening socket and each login two more: lift the soft limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(counts: list[int]) -> None:
    raise_open_files_limit()
    header = (
        "devices",
        "boot s",
        "listen s",
        "+RSS MiB",
        "all logins s",
        "login p50 s",
        "login p95 s",
    )
    print(" | ".join(f"{h:>12}" for h in header))
    print("-" * (15 * len(header)))
    for count in counts:
        row = measure(count)
        print(" | ".join(f"{v:>12}" if isinstance(v, int) else f"{v:>12.3f}" for v in row))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 200, 1000])
