"""CLI backend on scrapli: hier_config remediation pushed with ``send_configs``.

scrapli marks a response failed when it contains one of ``failed_when_contains``; the strings
come from the platform's error table, and ``stop_on_failed`` stops the push at the refused line.
"""

from __future__ import annotations

from typing import Any

from ..diff import banner_chunks, sanitize
from . import CliBackend, DeviceError

_TIMEOUT_OPS = 60.0  # a whole running config or a save can take a while on a busy device


class ScrapliBackend(CliBackend):
    """ConfigBackend over ``host.get_connection("scrapli")``."""

    plugin = "scrapli"
    _privilege: str | None = None  # the EOS session the next push goes into

    def _prompt(self, connection: Any) -> str:
        return str(connection.get_prompt())

    def _send_command(self, command: str) -> str:
        response = self.connection.send_command(command, timeout_ops=_TIMEOUT_OPS)
        return str(response.result)

    def _enter_mode(self, command: str) -> str:
        """IOS: scrapli reads to any of its prompts, so the command is sent as it is and the
        next ``send_configs`` finds itself in configuration already. An EOS session prompt
        is no privilege level scrapli knows until the session is registered: register it,
        and the next push enters it (``configure session X``) as its privilege level."""
        words = command.split()
        if self.platform == "arista_eos" and words[:2] == ["configure", "session"]:
            driver = getattr(self.connection, "connection", self.connection)  # async or sync
            if words[2] not in driver.privilege_levels:
                driver.register_configuration_session(words[2])
            self._privilege = words[2]
            return ""
        return self._send_command(command)

    def _send_config(self, lines: list[str]) -> None:
        responses = []
        privilege, self._privilege = self._privilege, None
        options = {"privilege_level": privilege} if privilege else {}
        for chunk, banner in banner_chunks(lines, self.platform):
            # a banner's text lines bring no prompt back: read only after its last line
            responses += self.connection.send_configs(
                chunk,
                failed_when_contains=list(self.cli.errors),
                stop_on_failed=True,
                eager=banner,
                timeout_ops=_TIMEOUT_OPS,
                **options,
            )
            if any(response.failed for response in responses):
                break
        refused = next((response for response in responses if response.failed), None)
        if refused is not None:
            self.close()
            error = self._error_in(str(refused.result)) or "error"
            line = sanitize(str(refused.channel_input), self.platform).strip()
            raise DeviceError(f"the device refused '{line}' ({error})")
