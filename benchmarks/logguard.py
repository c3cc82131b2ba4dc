"""What the logging guard costs: per record, and per task start with a large inventory.

Prints a table; asserts nothing. Run: ``python benchmarks/logguard.py [HOSTS]``.
Rows: the time to log one record to a handler that drops it, without and with the guard, for
the records a run logs most (Nornir's per-host line, a netmiko write, a scrapli read of a
prompt, a running config read in one chunk, an eAPI response); then the first and a later
task start on each of HOSTS hosts with a password of their own.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Defaults, Host, Hosts, Inventory

from nornir_pack import logguard
from nornir_pack.backends import PLUGINS

SEED = (Path(logguard.__file__).parent / "lab" / "seeds" / "cisco_ios.cfg").read_text()
RECORDS: dict[str, tuple[str, str, tuple[object, ...]]] = {
    "nornir: running task": ("nornir.core.task", "Host %r: running task %r", ("r1", "deploy")),
    "netmiko: write": ("netmiko", "write_channel: %s", ("b'ntp server 10.0.0.2\\n'",)),
    "scrapli: read prompt": ("scrapli.channel", "read: %r", (b"\nr1#",)),
    "netmiko: running config": ("netmiko", "read_channel: %s", (SEED,)),
    "pyeapi: eAPI response": ("pyeapi.eapilib", "Response content: %s", (repr(SEED),)),
}
ROUNDS = 300


def per_record(name: str, message: str, args: tuple[object, ...]) -> float:
    logger = logging.getLogger(name)
    started = time.perf_counter()
    for _ in range(ROUNDS):
        logger.debug(message, *args)
    return (time.perf_counter() - started) / ROUNDS * 1e6


def timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main(hosts: int) -> None:
    for name in ("nornir", "netmiko", "scrapli", "pyeapi"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        logger.addHandler(logging.NullHandler())
    bare = {row: per_record(*record) for row, record in RECORDS.items()}
    logguard.install()
    guarded = {row: per_record(*record) for row, record in RECORDS.items()}
    print(f"{'record':<26} {'bare µs':>9} {'guarded µs':>11}")
    for row in RECORDS:
        print(f"{row:<26} {bare[row]:>9.1f} {guarded[row]:>11.1f}")

    defaults = Defaults(
        connection_options={"netmiko": ConnectionOptions(extras={"secret": "bench-enable"})}
    )
    inventory = Hosts(
        {f"r{i}": Host(f"r{i}", password=f"bench-{i:05d}", defaults=defaults) for i in range(hosts)}
    )
    nr = Nornir(inventory=Inventory(hosts=inventory, defaults=defaults))

    def start_all() -> None:
        for host in inventory.values():
            logguard.protect_host(host, PLUGINS, nr)

    first, later = timed(start_all), timed(start_all)
    print(f"\n{hosts} task starts: first {first:.3f} s (redactor built once), later {later:.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
