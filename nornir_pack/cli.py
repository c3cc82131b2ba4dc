"""The ``nornir-pack`` command.

Exit codes: 0 success, 1 a host failed, 2 a usage or configuration error (one line on stderr,
never a traceback).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from .exceptions import UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with one line (argparse's own code is 2 too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}: see --help\n")


def _lab_up(args: argparse.Namespace) -> int:
    from .inventory import load_nornir
    from .lab import Lab

    nr = load_nornir(args.config)
    lab = Lab.from_nornir(nr)
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
                address = f"{lab.address_of(device.name)}:{device.port}"
                print(f"{device.name:<16} {device.platform.name:<11} ssh {address}", flush=True)
            print(f"lab ready: {len(lab.devices)} devices (Ctrl-C to stop)", flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("lab stopped", flush=True)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nornir-pack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    lab = commands.add_parser("lab", help="simulated devices for tests, demos and CI")
    lab_commands = lab.add_subparsers(dest="lab_command", required=True, parser_class=_Parser)
    up = lab_commands.add_parser("up", help="serve the inventory's devices until Ctrl-C")
    up.add_argument("-c", "--config", default="config.yaml", help="Nornir config file")
    up.set_defaults(handler=_lab_up)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as exc:
        print(f"nornir-pack: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
