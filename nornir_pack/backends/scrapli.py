"""CLI backend on scrapli: hier_config remediation pushed with ``send_configs``.

scrapli marks a response failed when it contains one of ``failed_when_contains``; the strings
come from the platform's error table, and ``stop_on_failed`` stops the push at the refused line.
"""

from __future__ import annotations

from typing import Any

from ..diff import dialect, sanitize
from . import CliBackend, DeviceError

_TIMEOUT_OPS = 60.0  # a whole running config or a save can take a while on a busy device


class ScrapliBackend(CliBackend):
    """ConfigBackend over ``host.get_connection("scrapli")``."""

    plugin = "scrapli"

    def _prompt(self, connection: Any) -> str:
        return str(connection.get_prompt())

    def _send_command(self, command: str) -> str:
        response = self.connection.send_command(command, timeout_ops=_TIMEOUT_OPS)
        return str(response.result)

    def _send_config(self, lines: list[str]) -> None:
        responses = []
        for chunk, banner in _chunks(lines, dialect(self.platform).banner_end or "^C"):
            # a banner's text lines bring no prompt back: read only after its last line
            responses += self.connection.send_configs(
                chunk,
                failed_when_contains=list(self.cli.errors),
                stop_on_failed=True,
                eager=banner,
                timeout_ops=_TIMEOUT_OPS,
            )
            if any(response.failed for response in responses):
                break
        refused = next((response for response in responses if response.failed), None)
        if refused is not None:
            self.close()
            error = self._error_in(str(refused.result)) or "error"
            line = sanitize(str(refused.channel_input), self.platform).strip()
            raise DeviceError(f"the device refused '{line}' ({error})")


def _chunks(lines: list[str], closing: str) -> list[tuple[list[str], bool]]:
    """The lines in runs to push: plain lines, and each banner (its line to ``closing``)."""
    chunks: list[tuple[list[str], bool]] = []
    banner: list[str] | None = None
    for line in lines:
        if banner is not None:
            banner.append(line)
            if line.strip() == closing:
                chunks.append((banner, True))
                banner = None
        elif line.startswith("banner "):
            banner = [line]
        elif chunks and not chunks[-1][1]:
            chunks[-1][0].append(line)
        else:
            chunks.append(([line], False))
    if banner is not None:
        chunks.append((banner, True))
    return chunks
