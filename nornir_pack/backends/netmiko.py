"""CLI backend on netmiko: hier_config remediation pushed with ``send_config_set``.

netmiko only notices a refused config line when it is given an ``error_pattern``; the pattern
comes from the platform's error strings, so a refused line stops the push at that line.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from netmiko.exceptions import ConfigInvalidException

from ..diff import banner_chunks, sanitize
from . import CliBackend, DeviceError

# netmiko sessions already in privileged exec: our tasks never leave it (config mode ends in it)
_PRIVILEGED: weakref.WeakSet[Any] = weakref.WeakSet()


class NetmikoBackend(CliBackend):
    """ConfigBackend over ``host.get_connection("netmiko")``."""

    plugin = "netmiko"

    @property
    def connection(self) -> Any:
        conn = super().connection
        _notice_closed_channel(conn)
        if conn not in _PRIVILEGED:  # once per session: checking costs a round trip each time
            if not conn.check_enable_mode():
                conn.enable()
            _PRIVILEGED.add(conn)
        return conn

    def _prompt(self, connection: Any) -> str:
        return str(connection.base_prompt)  # found at login: costs no command

    def _send_command(self, command: str) -> str:
        return str(self.connection.send_command(command, read_timeout=60))

    def _enter_mode(self, command: str) -> str:
        # send_command waits for the prompt it saw before the command by default; a command
        # that enters a config mode changes it, so wait for any prompt ending in '#'
        return str(self.connection.send_command(command, expect_string=r"#\s*$", read_timeout=60))

    def _send_config(self, lines: list[str]) -> None:
        conn = self.connection
        pattern = "|".join(re.escape(error) for error in self.cli.errors)
        try:
            for chunk, banner in banner_chunks(lines, self.platform):
                if banner:  # netmiko checks nothing of a set with a banner, and waits per line
                    self._send_banner(conn, chunk)
                else:
                    conn.send_config_set(chunk, error_pattern=pattern, read_timeout=60)
        except ConfigInvalidException as exc:
            self.close()  # still in config mode after the refused line
            line = _refused_line(str(exc), lines)
            raise DeviceError(
                f"the device refused '{sanitize(line, self.platform).strip()}' "
                f"({_matched_error(str(exc), self.cli.errors)})"
            ) from None

    def _send_banner(self, conn: Any, lines: list[str]) -> None:
        """A banner in one go: its lines written, the output read once and checked."""
        output = str(conn.send_config_set(lines, cmd_verify=False, read_timeout=60))
        error = self._error_in(output)
        if error is not None:
            raise ConfigInvalidException(
                f"Invalid input detected at command: {lines[0]}, matched error: {error}"
            )


def _refused_line(message: str, lines: list[str]) -> str:
    """The pushed line netmiko names in its ConfigInvalidException."""
    match = re.search(r"at command: (.*), matched error", message)
    if match is None:
        return "?"
    named = match.group(1)
    return next((line for line in lines if line == named), named)


def _matched_error(message: str, errors: tuple[str, ...]) -> str:
    return next((error for error in errors if error in message), "error")


def _notice_closed_channel(conn: Any) -> None:
    """Make netmiko see a session the device dropped at once, not after ``read_timeout``.

    netmiko reads only while paramiko's ``recv_ready()`` is true, and that stays false on a
    closed channel, so a dropped session waits out the whole timeout (60 s and more). Saying
    "ready" once the channel is closed makes netmiko read, get nothing, and raise at once.
    """
    channel = getattr(conn, "remote_conn", None)
    if channel is None or getattr(channel, "nornir_pack_watched", False):
        return
    ready = channel.recv_ready
    channel.recv_ready = lambda: ready() or channel.closed or channel.eof_received
    channel.nornir_pack_watched = True
