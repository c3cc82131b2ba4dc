"""How fast the lab starts and answers at scale: one process, N simulated devices.

Prints tables; asserts nothing. Run: ``python benchmarks/lab_scale.py [N ...] [--snmp N]
[--snmpsim PYTHON] [--no-ssh]``.

SSH, for each N: time to boot the devices (parse their seed configs), time to start every
listener, resident memory added, then one SSH login per device (asyncssh client, 50 at a time)
and the time to its first prompt.

SNMP, at ``--snmp`` devices (default 1000), each contender in a fresh process so that its
memory is its own: time until every agent listens, resident memory added, and N concurrent
SNMPv3 authPriv GETs (sysDescr, sysUpTime) with pysnmp's asyncio client, the API the health
task polls with; for the lab's agent also the same N hosts polled through the health task
(``nr.run(task=snmp_health)`` with nornir-pack's runner: uptime, interfaces, CPU, memory per
host). Contenders: the lab's agent (pysnmp's codecs and USM, one datagram endpoint per
device), pysnmp's own command responder (one SnmpEngine per device, since engine IDs and users
are per engine), and, with ``--snmpsim PYTHON`` (a Python that has snmpsim installed; it is not
a dependency), snmpsim's responder with one engine per device and with one engine for all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import asyncssh
from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.inventory import Defaults, Groups, Host, Hosts, Inventory
from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)

from nornir_pack.lab import PLATFORMS, Device, Lab
from nornir_pack.lab.snmp import serve_snmp
from nornir_pack.runners import PackRunner
from nornir_pack.tasks import snmp_health

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


def ssh_table(counts: list[int]) -> None:
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


# ---------------------------------------------------------------------------------- SNMP
AUTH_KEY, PRIV_KEY, USER = "bench-auth-key", "bench-priv-key", "bench"
SNMP_BASE_PORT = 41000  # agents listen on BASE..BASE+N-1 (UDP) in the SNMP contenders
# requests in flight at once: one client socket takes all the answers, and with 1000 at once
# its receive buffer overflows while pysnmp decodes, so answers are lost and retried
IN_FLIGHT = 100
PRIV_SYNTAX = {"cisco_ios": "priv aes 128", "arista_eos": "priv aes"}


def vm_rss_mib() -> float:
    """Resident memory now (not the peak: each contender runs in its own process)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return rss_mib()


def snmp_config(platform: str) -> str:
    seed = PLATFORMS[platform].seed("bench", 1)
    lines = (
        "snmp-server group NMS v3 priv\n"
        f"snmp-server user {USER} NMS v3 auth sha {AUTH_KEY} {PRIV_SYNTAX[platform]} {PRIV_KEY}\n"
    )
    return seed[: seed.rindex("end")] + lines + "end\n"


async def concurrent_gets(ports: list[int], community: str | None = None) -> tuple[float, int]:
    """One SNMPv3 authPriv GET (v2c with ``community``) to every port at once; wall seconds
    and failures."""
    client = SnmpEngine()
    user = UsmUserData(
        USER,
        AUTH_KEY,
        PRIV_KEY,
        authProtocol=usmHMACSHAAuthProtocol,
        privProtocol=usmAesCfb128Protocol,
    )

    credentials = CommunityData(community) if community else user

    gate = asyncio.Semaphore(IN_FLIGHT)

    async def get(port: int) -> bool:
        target = await UdpTransportTarget.create(("127.0.0.1", port), timeout=5, retries=2)
        async with gate:
            error, status, _, _ = await get_cmd(
                client,
                credentials,
                target,
                ContextData(),
                ObjectType(ObjectIdentity("1.3.6.1.2.1.1.1.0")),
                ObjectType(ObjectIdentity("1.3.6.1.2.1.1.3.0")),
            )
        return error is None and not status

    started = time.perf_counter()
    answers = await asyncio.gather(*(get(port) for port in ports))
    wall = time.perf_counter() - started
    client.close_dispatcher()
    return wall, answers.count(False)


def lab_agents(count: int) -> dict[str, Any]:
    """The lab's own agents: N devices' agents on one event loop thread, as the lab runs them
    (SSH is left out: the SSH table above measures it)."""
    devices = []
    for i in range(count):
        platform = "cisco_ios" if i % 2 else "arista_eos"
        devices.append(Device.create(f"d{i}", platform, config=snmp_config(platform), snmp_port=0))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    before = vm_rss_mib()
    started = time.perf_counter()
    transports = asyncio.run_coroutine_threadsafe(_serve_all(devices), loop).result()
    start = time.perf_counter() - started
    wall, failed = asyncio.run(concurrent_gets([d.snmp_port or 0 for d in devices]))
    memory = vm_rss_mib() - before  # agents, their per-device state, and the client
    health_s, unhealthy = health_task(devices)
    for transport in transports:
        loop.call_soon_threadsafe(transport.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    return {
        "start_s": start,
        "rss_mib": memory,
        "gets_s": wall,
        "failed": failed,
        "health_s": health_s,
        "health_failed": unhealthy,
    }


def health_task(devices: list[Device]) -> tuple[float, int]:
    """Every device's health through the task a runbook uses: wall seconds, hosts failed."""
    credentials = {"user": USER, "auth_key": AUTH_KEY, "priv_key": PRIV_KEY}
    defaults = Defaults()
    hosts = Hosts(
        {
            d.name: Host(
                d.name,
                hostname="127.0.0.1",
                platform=d.platform.name,
                data={"snmp_port": d.snmp_port, "snmp": credentials},
                defaults=defaults,
            )
            for d in devices
        }
    )
    inventory = Inventory(hosts=hosts, groups=Groups(), defaults=defaults)
    nr = Nornir(inventory=inventory, config=Config(), runner=PackRunner())
    started = time.perf_counter()
    result = nr.run(task=snmp_health)
    return time.perf_counter() - started, len(result.failed_hosts)


async def _serve_all(devices: list[Device]) -> list[asyncio.DatagramTransport]:
    return await asyncio.gather(*(serve_snmp(d, "127.0.0.1") for d in devices))


def pysnmp_engines(count: int) -> dict[str, Any]:
    """pysnmp's own command responder: an SnmpEngine (with its USM user) per device."""

    async def serve_and_get() -> dict[str, Any]:
        before = vm_rss_mib()
        started = time.perf_counter()
        engines = []
        for i in range(count):
            snmp = engine.SnmpEngine()
            transport = udp.UdpTransport().open_server_mode(("127.0.0.1", SNMP_BASE_PORT + i))
            config.add_transport(snmp, udp.DOMAIN_NAME, transport)
            config.add_v1_system(snmp, "area", "public")
            config.add_v3_user(
                snmp,
                USER,
                config.USM_AUTH_HMAC96_SHA,
                AUTH_KEY,
                config.USM_PRIV_CFB128_AES,
                PRIV_KEY,
            )
            config.add_vacm_user(snmp, 3, USER, "authPriv", (1, 3, 6))
            config.add_vacm_user(snmp, 2, "area", "noAuthNoPriv", (1, 3, 6))
            responder_context = context.SnmpContext(snmp)
            cmdrsp.GetCommandResponder(snmp, responder_context)
            cmdrsp.NextCommandResponder(snmp, responder_context)
            cmdrsp.BulkCommandResponder(snmp, responder_context)
            engines.append(snmp)
        start = time.perf_counter() - started
        memory = vm_rss_mib() - before
        wall, failed = await concurrent_gets([SNMP_BASE_PORT + i for i in range(count)])
        return {"start_s": start, "rss_mib": memory, "gets_s": wall, "failed": failed}

    return asyncio.run(serve_and_get())


_SNMPSIM_RUNNER = """
import sys
import snmpsim.daemon as daemon
from snmpsim.commands import responder

class Stay:  # snmpsim refuses to run as root unless it drops privileges: stay as we are
    def __init__(self, *args, **kwargs): pass
    def __enter__(self): return self
    def __exit__(self, *exc): return False

daemon.PrivilegesOf = responder.daemon.PrivilegesOf = Stay
sys.exit(responder.main())
"""


def snmpsim(count: int, python: str, per_device: bool) -> dict[str, Any]:
    """snmpsim's command responder as its own process, ready when the last agent answers."""
    folder = Path(tempfile.mkdtemp(prefix="snmpsim-bench-"))
    (folder / "data").mkdir()
    (folder / "data" / "public.snmprec").write_text(
        "1.3.6.1.2.1.1.1.0|4|Cisco IOS Software\n1.3.6.1.2.1.1.3.0|67|100\n"
    )
    user = [
        f"--v3-user={USER}",
        f"--v3-auth-key={AUTH_KEY}",
        "--v3-auth-proto=SHA",
        f"--v3-priv-key={PRIV_KEY}",
        "--v3-priv-proto=AES128",
    ]
    args: list[str] = []
    for i in range(count):
        if per_device or i == 0:
            args += ["--v3-engine-id=auto", f"--data-dir={folder / 'data'}", *user]
        args.append(f"--agent-udpv4-endpoint=127.0.0.1:{SNMP_BASE_PORT + i}")
    (folder / "args").write_text("\n".join(args) + "\n")
    (folder / "run.py").write_text(_SNMPSIM_RUNNER)
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            python,
            str(folder / "run.py"),
            f"--args-from-file={folder / 'args'}",
            f"--cache-dir={folder / 'cache'}",
            "--logging-method=null",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        last = SNMP_BASE_PORT + count - 1
        while subprocess.run(
            [
                "snmpget",
                "-v2c",
                "-c",
                "public",
                "-t",
                "0.3",
                "-r",
                "0",
                f"127.0.0.1:{last}",
                "1.3.6.1.2.1.1.3.0",
            ],
            capture_output=True,
            check=False,
        ).returncode:
            if process.poll() is not None:
                return {
                    "start_s": float("nan"),
                    "rss_mib": float("nan"),
                    "gets_s": float("nan"),
                    "failed": count,
                }
        start = time.perf_counter() - started
        status = Path(f"/proc/{process.pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        # v2c: in our trials snmpsim 1.2.2's v3 AES answers failed to decrypt (net-snmp said
        # "Decryption error"), so its GETs use its v2c community
        ports = [SNMP_BASE_PORT + i for i in range(count)]
        wall, failed = asyncio.run(concurrent_gets(ports, community="public"))
    finally:
        process.kill()
        process.wait()
    return {"start_s": start, "rss_mib": rss / 1024, "gets_s": wall, "failed": failed}


CONTENDERS = {
    "lab agent (pysnmp codecs + USM, endpoint per device)": lab_agents,
    "pysnmp command responder, engine per device": pysnmp_engines,
}


def run_contender(name: str, count: int, snmpsim_python: str | None) -> dict[str, Any]:
    """One contender in a fresh interpreter, so that its memory is not its rivals'."""
    command = [sys.executable, __file__, "--contender", name, "--snmp", str(count)]
    if snmpsim_python:
        command += ["--snmpsim", snmpsim_python]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr)
        return {
            "start_s": float("nan"),
            "rss_mib": float("nan"),
            "gets_s": float("nan"),
            "failed": count,
        }
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def snmp_table(count: int, snmpsim_python: str | None) -> None:
    names = list(CONTENDERS)
    if snmpsim_python:
        names += ["snmpsim, engine per device (v2c GETs)", "snmpsim, one engine for all (v2c GETs)"]
    print(f"\nSNMP agents, {count} devices in one process")
    header = ("contender", "start s", "+RSS MiB", f"{count} GETs s", "failed")
    print(f"{header[0]:<56} | " + " | ".join(f"{h:>12}" for h in header[1:]))
    print("-" * 112)
    health = None
    for name in names:
        row = run_contender(name, count, snmpsim_python)
        cells = (row["start_s"], row["rss_mib"], row["gets_s"])
        print(
            f"{name:<56} | " + " | ".join(f"{v:>12.2f}" for v in cells) + f" | {row['failed']:>12}",
            flush=True,
        )
        health = health or ("health_s" in row and row)
    if health:
        print(
            f"\nthe lab agents' {count} hosts through the health task (nr.run(task=snmp_health)): "
            f"{health['health_s']:.2f} s, {health['health_failed']} hosts failed"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[50, 200, 1000])
    parser.add_argument("--snmp", type=int, default=1000, help="devices for SNMP (0: skip)")
    parser.add_argument("--snmpsim", metavar="PYTHON", help="a Python with snmpsim installed")
    parser.add_argument("--no-ssh", action="store_true", help="skip the SSH table")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    args = parser.parse_args()
    raise_open_files_limit()
    if args.contender:  # one SNMP contender, in this process
        if args.contender.startswith("snmpsim"):
            result = snmpsim(args.snmp, args.snmpsim, "per device" in args.contender)
        else:
            result = CONTENDERS[args.contender](args.snmp)
        print(json.dumps(result))
        return
    if not args.no_ssh:
        ssh_table(args.counts)
    if args.snmp:
        snmp_table(args.snmp, args.snmpsim)


if __name__ == "__main__":
    main()
