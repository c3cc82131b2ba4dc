"""Backing up N lab devices: nornir-pack next to the floor and to the script a team would write.

Prints a table; asserts nothing (CI runs it small and checks only that it ran with 0 failures).
Run: ``python benchmarks/backup_scale.py [N ...] [--latency S] [--rounds R] [--only NAME,...]``.

The lab runs in its own process (``nornir-pack lab up``), each command answered after
``--latency`` seconds (default 20 ms), half the devices IOS and half EOS. Every contender runs
as its own process, one after the other, against the same devices, and reads every device's
running config:

- floor: raw asyncssh in one event loop, 100 devices at a time (connect, pty, enable,
  ``terminal length 0``, ``show running-config``): what the wire and the lab allow;
- nornir+netmiko/20 and /100: a plain Nornir script with nornir_netmiko's
  ``netmiko_send_command`` on Nornir's threaded runner;
- nornir-pack backup / compliance / deploy (dry run): the command with its defaults;
- nornir-pack backup on Dask: ``--runner dask`` with its embedded LocalCluster of 2 worker
  processes (start-up included), the hosts in batches of up to 50, each batch run by the
  local runner on its worker (needs ``nornir-pack[dask]``).

The floor and the nornir-pack commands run in rounds (``--rounds``, default 3): floor, backup,
compliance, deploy, Dask, then again. Each shows its median, and each ratio is taken round by
round (a backup over the floor of the same round) and shown as the median with the lowest and
highest: on a shared machine the same run's time drifts by a quarter within minutes, and runs
side by side drift together. Each backup run writes into a folder of its own, so that every
one writes every device's file, as a first backup does. The plain Nornir scripts run once,
first (20 s and more each; only the 3x target compares with them).

Columns: wall seconds, devices per second, failed devices, the process's peak RSS, and the
ratio of its wall time to the floor's (and, for compliance and deploy, to nornir-pack backup's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import yaml

from nornir_pack.lab.process import LabProcess

PASSWORD, SECRET = "bench-password", "bench-enable"
BASE_PORT = 31000


@dataclass
class Outcome:
    name: str
    seconds: float
    failed: int
    rss_mib: float


# ------------------------------------------------------------------ the project under test
def write_project(folder: Path, count: int, latency: float) -> Path:
    """config.yaml and an inventory of ``count`` lab devices on fixed loopback ports."""
    hosts = {}
    for index in range(count):
        eos = index % 2 == 1
        name = f"{'sw' if eos else 'r'}{index:04d}"
        hosts[name] = {
            "hostname": "127.0.0.1",
            "port": BASE_PORT + index,
            "groups": ["eos" if eos else "ios"],
            "data": {"lab": {"latency": latency}},
        }
        if eos:
            hosts[name]["connection_options"] = {"napalm": {"port": BASE_PORT + 20000 + index}}
    groups = {
        "ios": {"platform": "cisco_ios", "data": {"site": "bench", "role": "router"}},
        "eos": {
            "platform": "arista_eos",
            "data": {"site": "bench", "role": "switch"},
            "connection_options": {
                "napalm": {"extras": {"optional_args": {"transport": "http", "secret": SECRET}}}
            },
        },
    }
    defaults = {
        "username": "admin",
        "password": PASSWORD,
        "data": {"nornir_pack": {"expected_hostname": True}},
        "connection_options": {
            "netmiko": {"extras": {"secret": SECRET}},
            "scrapli": {"extras": {"auth_secondary": SECRET, "auth_strict_key": False}},
            "napalm": {"extras": {"optional_args": {"secret": SECRET}}},
        },
    }
    inventory = folder / "inventory"
    inventory.mkdir(parents=True, exist_ok=True)
    for file_name, content in (("hosts", hosts), ("groups", groups), ("defaults", defaults)):
        (inventory / f"{file_name}.yaml").write_text(yaml.safe_dump(content))
    config = {
        "inventory": {
            "plugin": "SimpleInventory",
            "options": {
                "host_file": "inventory/hosts.yaml",
                "group_file": "inventory/groups.yaml",
                "defaults_file": "inventory/defaults.yaml",
            },
            "transform_function": "nornir_pack_credentials",
        },
        "logging": {"enabled": False},
        "user_defined": {"nornir_pack": {"backup_dir": "backups"}},
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder / "config.yaml"


# ------------------------------------------------------------------ contenders
def timed(name: str, command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of one contender's process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, output


def floor(config: Path, count: int) -> Outcome:
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import backup_scale; "
    code += f"print(backup_scale.floor_run({count}))"
    seconds, rss, output = timed("floor", [sys.executable, "-c", code], config.parent)
    return Outcome("floor: asyncssh, 100 at a time", seconds, int(output.strip() or count), rss)


def floor_run(count: int) -> int:
    """Back up every device over raw asyncssh; the number of failures."""

    async def one(index: int, gate: asyncio.Semaphore) -> bool:
        async with gate:
            try:
                async with asyncssh.connect(
                    "127.0.0.1",
                    BASE_PORT + index,
                    username="admin",
                    password=PASSWORD,
                    known_hosts=None,
                ) as conn:
                    process = await conn.create_process(term_type="vt100")
                    out = process.stdout
                    await asyncio.wait_for(out.readuntil(">"), 60)
                    process.stdin.write("enable\n")
                    await asyncio.wait_for(out.readuntil("Password:"), 60)
                    process.stdin.write(SECRET + "\n")
                    await asyncio.wait_for(out.readuntil("#"), 60)
                    process.stdin.write("terminal length 0\n")
                    await asyncio.wait_for(out.readuntil("#"), 60)
                    process.stdin.write("show running-config\n")
                    text = await asyncio.wait_for(out.readuntil("\nend"), 60)
                    await asyncio.wait_for(out.readuntil("#"), 60)
                    return "hostname" in text
            except (OSError, asyncssh.Error, asyncio.TimeoutError):
                return False

    async def all_of_them() -> int:
        gate = asyncio.Semaphore(100)
        done = await asyncio.gather(*(one(i, gate) for i in range(count)))
        return sum(not ok for ok in done)

    return asyncio.run(all_of_them())


PLAIN_SCRIPT = """
import sys
from nornir import InitNornir
from nornir_netmiko.tasks import netmiko_send_command
from nornir_pack.inventory import resolve_credentials

nr = InitNornir(
    inventory={"plugin": "SimpleInventory", "options": {
        "host_file": "inventory/hosts.yaml", "group_file": "inventory/groups.yaml",
        "defaults_file": "inventory/defaults.yaml"}},
    runner={"plugin": "threaded", "options": {"num_workers": int(sys.argv[1])}},
    logging={"enabled": False},
)
for host in nr.inventory.hosts.values():
    resolve_credentials(host)
    host.platform = host.platform  # netmiko's names are the inventory's (cisco_ios, arista_eos)
result = nr.run(task=netmiko_send_command, command_string="show running-config",
                enable=True, read_timeout=60)
print(len(result.failed_hosts))
"""


def plain_nornir(config: Path, workers: int) -> Outcome:
    seconds, rss, output = timed(
        "plain", [sys.executable, "-c", PLAIN_SCRIPT, str(workers)], config.parent
    )
    failed = int(output.strip().splitlines()[-1]) if output.strip() else -1
    return Outcome(f"nornir+netmiko, {workers} workers", seconds, failed, rss)


def with_backup_dir(config: Path, name: str) -> Path:
    """A copy of ``config`` whose backup_dir is a new folder, ``backups-<name>``."""
    settings = yaml.safe_load(config.read_text())
    settings["user_defined"]["nornir_pack"]["backup_dir"] = f"backups-{name}"
    copy = config.with_name(f"config-{name}.yaml")
    copy.write_text(yaml.safe_dump(settings))
    return copy


def nornir_pack(config: Path, runbook: str, count: int, *options: str) -> Outcome:
    report = config.parent / f"{runbook}.json"
    command = [sys.executable, "-m", "nornir_pack.cli", "run", runbook, "-c", str(config)]
    seconds, rss, _ = timed(runbook, [*command, *options, "--json", str(report)], config.parent)
    try:
        hosts = json.loads(report.read_text())["hosts"]
        failed = sum(host["status"] == "failed" for host in hosts) + count - len(hosts)
    except (OSError, ValueError, KeyError):
        failed = count
    label = f"nornir-pack {runbook}{' (dry run)' if runbook == 'deploy' else ''}"
    if "dask" in options:
        label += ", Dask 2 workers"
    return Outcome(label, seconds, failed, rss)


# ------------------------------------------------------------------ the table
PAIRED = ("floor", "backup", "compliance", "deploy", "dask")  # run in rounds, side by side


@dataclass
class Row:
    """A contender's runs: its rounds' outcomes (one for the plain scripts)."""

    key: str
    runs: list[Outcome]

    @property
    def name(self) -> str:
        return self.runs[0].name

    @property
    def seconds(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def failed(self) -> int:
        return max(run.failed for run in self.runs)

    @property
    def rss_mib(self) -> float:
        return max(run.rss_mib for run in self.runs)

    def versus(self, other: Row) -> tuple[float, float, float]:
        """Median, lowest and highest ratio to ``other``: round by round when both ran in
        rounds, else of the medians."""
        if len(self.runs) == len(other.runs) > 1:
            ratios = [a.seconds / b.seconds for a, b in zip(self.runs, other.runs, strict=True)]
            return statistics.median(ratios), min(ratios), max(ratios)
        ratio = self.seconds / other.seconds
        return ratio, ratio, ratio


def measure(count: int, latency: float, only: set[str], rounds: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="nornir-pack-bench-") as folder:
        config = write_project(Path(folder), count, latency)
        with LabProcess(config):  # `nornir-pack lab up`, stopped when the table is done
            contenders: dict[str, Callable[[str], Outcome]] = {
                "floor": lambda _: floor(config, count),
                "netmiko20": lambda _: plain_nornir(config, 20),
                "netmiko100": lambda _: plain_nornir(config, 100),
                "backup": lambda n: nornir_pack(with_backup_dir(config, n), "backup", count),
                "compliance": lambda _: nornir_pack(config, "compliance", count),
                "deploy": lambda _: nornir_pack(config, "deploy", count),
                "dask": lambda n: nornir_pack(
                    with_backup_dir(config, f"dask{n}"), "backup", count, "--runner", "dask"
                ),
            }
            chosen = [key for key in contenders if not only or key in only]
            rows = {key: Row(key, []) for key in chosen}
            for key in chosen:  # the plain scripts once, first (20 s and more each)
                if key not in PAIRED:
                    rows[key].runs.append(contenders[key]("1"))
            for number in range(rounds):  # then the rest, round after round
                for key in chosen:
                    if key in PAIRED:
                        rows[key].runs.append(contenders[key](str(number)))
            return [rows[key] for key in contenders if key in rows]


def _ratio(ratios: tuple[float, float, float] | None) -> str:
    if ratios is None:
        return ""
    middle, low, high = ratios
    return f"{middle:.2f}" if low == high else f"{middle:.2f} ({low:.2f}-{high:.2f})"


def print_table(count: int, latency: float, rounds: int, rows: list[Row]) -> None:
    floor_row = next((row for row in rows if row.key == "floor"), None)
    backup_row = next((row for row in rows if row.key == "backup"), None)
    print(
        f"\n{count} devices, {latency * 1000:g} ms per command, lab in its own process; "
        f"medians of {rounds} rounds, ratios (lowest-highest) round by round"
    )
    print(
        f"{'contender':<34} {'wall s':>7} {'dev/s':>7} {'failed':>6} {'peak MiB':>8} "
        f"{'x floor':>18} {'x backup':>18}"
    )
    for row in rows:
        to_floor = row.versus(floor_row) if floor_row else None
        to_backup = (
            row.versus(backup_row)
            if backup_row and row.key in ("compliance", "deploy", "dask")
            else None
        )
        print(
            f"{row.name:<34} {row.seconds:>7.2f} {count / row.seconds:>7.1f} {row.failed:>6} "
            f"{row.rss_mib:>8.0f} {_ratio(to_floor):>18} {_ratio(to_backup):>18}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[200, 1000])
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--only", default="", help="comma-separated contenders")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the paired contenders")
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name}
    failures = 0
    for count in args.counts:
        rows = measure(count, args.latency, only, max(1, args.rounds))
        print_table(count, args.latency, max(1, args.rounds), rows)
        failures += sum(row.failed for row in rows)
    print(f"\nfailures: {failures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
