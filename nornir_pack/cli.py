"""The ``nornir-pack`` command: run, runbooks, init, inventory, lab.

Exit codes: 0 success, 1 a host failed or is not compliant, 2 a usage or configuration error
(one line on stderr, never a traceback), 3 the runbook itself crashed, 130 interrupted.
Everything heavier than argparse is imported inside the handlers, so that ``--help``,
``--version`` and usage errors stay instant.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .exceptions import RunbookCrashed, UsageError

if TYPE_CHECKING:
    from .lab import Device, Lab

# The same codes as nornir_pack.report's (kept here so --help never imports the reports).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CRASHED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

DESCRIPTION = (
    "Run Nornir runbooks (backup, deploy, compliance, and your own) against an inventory, "
    "or against simulated devices with --lab."
)
EPILOG = (
    "Exit codes: 0 every host succeeded, 1 a host failed or is not compliant, 2 bad input or "
    "configuration (found before any login), 3 the runbook crashed, 130 interrupted. "
    "Start a project with: nornir-pack init DIR"
)


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with one line (argparse's own code is 2 too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}: see --help\n")


def _lab_up(args: argparse.Namespace) -> int:
    from .inventory import load_nornir
    from .lab import Lab
    from .lab.server import state_dir_for

    nr = load_nornir(args.config)
    if args.hosts is not None:
        from .runbook import select_hosts

        nr = select_hosts(nr, (), _host_names(args.hosts), args.config)
    lab = Lab.from_nornir(nr, state_dir=state_dir_for(Path(args.config)))
    if not lab.devices:
        raise UsageError(
            f"{args.config}: no inventory host has a platform the lab simulates "
            "(cisco_ios, arista_eos): set platform on the hosts or their groups"
        )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with lab:
            for device in lab.devices.values():
                print(_device_line(lab, device), flush=True)
            print(f"lab ready: {len(lab.devices)} devices (Ctrl-C to stop)", flush=True)
            parent = os.getppid()
            while not stop.wait(0.5):
                if os.getppid() != parent:  # whoever started the lab is gone: stop with it
                    break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("lab stopped", flush=True)
    return EXIT_OK


def _device_line(lab: Lab, device: Device) -> str:
    """One served device: name, platform, SSH and eAPI address, the credentials it accepts."""
    address = lab.address_of(device.name)
    eapi = f"eapi http://{address}:{device.eapi_port}" if device.platform.eapi else ""
    snmp = f" snmp udp {address}:{device.snmp_port}" if device.snmp_port is not None else ""
    login = f"login {device.username} / {_credential(device.password)}"
    enable = f"enable secret {_credential(device.secret)}"
    return (
        f"{device.name:<16} {device.platform.name:<11} ssh {address}:{device.port:<6} "
        f"{eapi:<28} {login}, {enable}{snmp}"
    )


def _credential(value: str) -> str:
    """A lab credential as ``lab up`` shows it: a value taken from an environment variable
    is shown as ``$NAME`` (it may be a real secret); a default from the inventory file as is."""
    names = sorted(name for name, given in os.environ.items() if given and given == value)
    return f"${names[0]}" if names else value


def _lab_reset(args: argparse.Namespace) -> int:
    import shutil

    from .lab.server import state_dir_for

    folder = state_dir_for(Path(args.config))
    shutil.rmtree(folder, ignore_errors=True)
    print(f"lab reset: devices of {args.config} boot from their seed configs again")
    return EXIT_OK


def _host_names(raw: str) -> list[str]:
    """The names of ``--hosts A,B``; none at all is an error, never "every host"."""
    hosts = [name.strip() for name in raw.split(",") if name.strip()]
    if not hosts:
        # an empty list would select nothing, and "nothing" must never turn into "every host"
        raise UsageError(
            f"--hosts {raw!r} names no host: give names (--hosts r1,sw1), "
            "or leave --hosts out to use every host"
        )
    return hosts


def _run(args: argparse.Namespace) -> int:
    from .runbook import RunOptions, execute

    hosts = _host_names(args.hosts) if args.hosts is not None else []
    options = RunOptions(
        config=Path(args.config),
        plugin=args.plugin,
        filters=args.filter or (),
        hosts=hosts,
        workers=args.workers,
        max_logins=args.max_logins,
        timeout=args.timeout,
        canary=args.canary,
        wave_size=args.wave_size,
        max_fail=args.max_fail,
        pause=args.pause,
        on_wave_fail=args.on_wave_fail,
        wave_by=args.wave_by,
        confirm_timeout=args.confirm_timeout,
        post_checks=args.post_check or (),
        runner=args.runner,
        scheduler=args.scheduler,
        commit=args.commit,
        json=args.json,
        junit=args.junit,
        markdown=args.markdown,
        lab=args.lab,
    )
    return execute(args.runbook, options)


def _runbooks(args: argparse.Namespace) -> int:
    from .project import available_runbooks, setting_paths

    config = Path(args.config)
    print(f"runbooks for {config} (run one with: nornir-pack run NAME):")
    for runbook in available_runbooks(config):
        origin = runbook.origin + (", replaces the built-in" if runbook.overrides else "")
        print(f"  {runbook.name:<14} {origin:<11} {runbook.path}")
        if runbook.description:
            print(f"  {'':<14} {runbook.description}")
    print("files the built-in runbooks read:")
    for key, path, origin in setting_paths(config):
        print(f"  {key:<14} {origin:<11} {path}")
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    from .project import init_project

    folder = Path(args.folder)
    written = init_project(folder, force=args.force, port=args.port)
    print(f"nornir-pack init: wrote {len(written)} files in {folder}:")
    for path in written:
        print(f"  {path.relative_to(folder)}")
    print(f"next: cd {folder} && nornir-pack run backup --lab && pytest")
    return EXIT_OK


def _inventory(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from .backends import choose_plugin
    from .inventory import load_nornir
    from .preflight import check_hosts
    from .runbook import select_hosts, validate_hosts

    nr = load_nornir(args.config)
    nr = select_hosts(nr, args.filter or (), [], args.config)
    validate_hosts(nr, args.config)
    check_hosts(nr, args.config)  # the same inventory checks as `run`
    table = Table(title=f"{len(nr.inventory.hosts)} hosts in {args.config}")
    for column in ("host", "address", "groups", "platform", "plugin"):
        table.add_column(column)
    for host in nr.inventory.hosts.values():
        table.add_row(
            host.name,
            f"{host.hostname}:{host.port or 22}",
            ", ".join(g.name for g in host.groups),
            host.platform or "",
            choose_plugin(host, nr.config),
        )
    Console(soft_wrap=True).print(table)
    return EXIT_OK


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    _add_config(parser)
    parser.add_argument(
        "--plugin",
        choices=("netmiko", "napalm", "scrapli"),
        help="connection plugin for every host",
    )
    parser.add_argument(
        "--filter", action="append", metavar="KEY=VALUE", help="Nornir F filter, repeatable"
    )
    parser.add_argument("--hosts", metavar="A,B", help="only these hosts")
    parser.add_argument("--workers", type=int, metavar="N", help="hosts run at once")
    parser.add_argument(
        "--max-logins", type=int, metavar="N", help="logins in progress at once (AAA, MaxStartups)"
    )
    parser.add_argument(
        "--timeout", type=float, metavar="S", help="seconds a host may take before it fails"
    )
    parser.add_argument(
        "--runner",
        choices=("nornir_pack", "dask"),
        help="run hosts here (nornir_pack) or in batches on a Dask cluster (dask); "
        "default: config.yaml's runner",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="the Dask scheduler of the dask runner, e.g. tcp://10.0.0.5:8786 "
        "(default: an embedded cluster of local worker processes)",
    )
    parser.add_argument("--commit", action="store_true", help="apply changes (default: dry run)")
    _add_rollout_options(parser)
    parser.add_argument("--json", type=Path, metavar="FILE", help="write a JSON report")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown summary")
    parser.add_argument(
        "--lab", action="store_true", help="serve the selected hosts from the built-in lab"
    )


def _add_rollout_options(parser: argparse.ArgumentParser) -> None:
    rollout = parser.add_argument_group(
        "rollout of a change (see the README: Safe rollout)",
    )
    rollout.add_argument(
        "--canary", type=int, metavar="N", help="the first N hosts alone; any failure stops"
    )
    rollout.add_argument("--wave-size", metavar="N|P%", help="hosts per wave after the canary")
    rollout.add_argument(
        "--max-fail",
        metavar="P%",
        help="a wave fails when more than P%% of its hosts fail (default 0%%)",
    )
    rollout.add_argument("--pause", type=float, metavar="S", help="seconds between waves")
    rollout.add_argument(
        "--on-wave-fail",
        choices=("rollback-wave", "rollback-all", "stop"),
        help="what a failed wave does (default rollback-wave)",
    )
    rollout.add_argument("--wave-by", metavar="KEY", help="one value of host data KEY per wave")
    rollout.add_argument(
        "--confirm-timeout",
        type=float,
        metavar="S",
        help="commit with a device-side revert timer; confirm once the post-checks pass",
    )
    rollout.add_argument(
        "--post-check",
        action="append",
        metavar="NAME",
        help="a check after each commit: health, or module:function (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nornir-pack", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"nornir-pack {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run a runbook against the inventory", epilog=EPILOG)
    run.add_argument(
        "runbook",
        help="a runbook name (built in, or runbooks/NAME.py beside the config) or a .py file",
    )
    _add_run_options(run)
    run.set_defaults(handler=_run)

    runbooks = commands.add_parser(
        "runbooks", help="list the runbooks a run can use and where each comes from"
    )
    _add_config(runbooks)
    runbooks.set_defaults(handler=_runbooks)

    init = commands.add_parser(
        "init", help="write a starter project: config, lab inventory, runbook, test, CI"
    )
    init.add_argument("folder", metavar="DIR", help="the project folder (created if missing)")
    init.add_argument("--force", action="store_true", help="overwrite files that exist")
    init.add_argument(
        "--port", type=int, metavar="N", help="the lab's first SSH port (default: a free block)"
    )
    init.set_defaults(handler=_init)

    inventory = commands.add_parser("inventory", help="list and validate the inventory")
    _add_config(inventory)
    inventory.add_argument("--filter", action="append", metavar="KEY=VALUE")
    inventory.set_defaults(handler=_inventory)
    _add_lab_commands(commands)
    return parser


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", default="config.yaml", help="Nornir config file (default: config.yaml)"
    )


def _add_lab_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    lab = commands.add_parser("lab", help="simulated devices for tests, demos and CI")
    lab_commands = lab.add_subparsers(dest="lab_command", required=True, parser_class=_Parser)
    up = lab_commands.add_parser(
        "up", help="serve the inventory's devices until Ctrl-C, printing how to log in"
    )
    _add_config(up)
    up.add_argument("--hosts", metavar="A,B", help="only these hosts")
    up.set_defaults(handler=_lab_up)
    reset = lab_commands.add_parser("reset", help="forget the configs lab devices saved")
    _add_config(reset)
    reset.set_defaults(handler=_lab_reset)


def run_runbook_file(path: str, argv: Sequence[str] | None = None) -> int:
    """``python runbooks/NAME.py [options]``: the same options as ``nornir-pack run``."""
    return main(["run", path, *(sys.argv[1:] if argv is None else argv)])


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .logguard import install

    install()  # no secret in any log record, whatever the command logs
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as exc:
        print(f"nornir-pack: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunbookCrashed as exc:
        print(f"nornir-pack: error: runbook crashed: {exc}", file=sys.stderr)
        return EXIT_CRASHED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def command() -> NoReturn:
    """The ``nornir-pack`` command: ``main``'s exit code, without Python's last garbage
    collection. A thousand-host run leaves some 140,000 objects (inventory, results,
    sessions) that the collection at interpreter exit walked for 0.4 s, after every file
    and report was written and closed: 5% of a thousand-host backup's time."""
    code = main()
    gc.freeze()  # what exists now is never collected; interpreter exit frees it anyway
    sys.exit(code)


if __name__ == "__main__":
    command()
