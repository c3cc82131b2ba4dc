"""IOS ``tclsh``, enough of it to write files: ``puts [open "flash:f" w+] {...}``.

scrapli_cfg always loads candidates this way and NAPALM ios does with ``inline_transfer=True``:
the config arrives between braces, one line per Enter (``+>`` continuation prompt), and the file
holds that text plus the newline ``puts`` adds. Lines that are not Tcl go to the IOS exec CLI,
as on the device (netmiko runs ``dir`` and ``verify /md5`` from inside tclsh).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .filesystem import FILE, resolve
from .shell import Command, Shell, register

_PUTS_OPEN = re.compile(r'^puts\s+\[open\s+"?([^"\s\]]+)"?\s+w\+?\]\s+\{(.*)$', re.DOTALL)
_PUTS = re.compile(r'^puts\s+(?:"(.*)"|\{(.*)\}|(\S+))$')


@dataclass
class _Puts:
    """A ``puts`` into a file whose brace-quoted text is still arriving."""

    path: str
    pieces: list[str] = field(default_factory=list)
    depth: int = 1


class Tclsh:
    """The Tcl shell of one CLI session; ``tclquit`` hands the session back to the CLI."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self._puts: _Puts | None = None

    def prompt(self) -> str:
        if self._puts is not None:
            return "+>"
        return f"{self.shell.device.hostname}(tcl)#"

    def handle(self, line: str) -> str:
        if self._puts is not None:
            return self._more(line)
        text = line.strip()
        if not text:
            return "\n" + self.prompt()
        if text in ("tclquit", "exit", "quit"):
            self.shell.sub = None
            return "\n" + self.shell.prompt()
        opened = _PUTS_OPEN.match(text)
        if opened:
            self._puts = _Puts(opened.group(1))
            return self._more(line[line.index("{") + 1 :])
        printed = _PUTS.match(text)
        if printed:
            value = next(group for group in printed.groups() if group is not None)
            return "\n" + value + "\n" + self.prompt()
        output = self.shell.run(text)
        if output and not output.endswith("\n"):
            output += "\n"
        return "\n" + output + self.prompt()

    def _more(self, text: str) -> str:
        """Take brace-quoted text up to the brace that closes the ``puts``."""
        puts = self._puts
        assert puts is not None
        for position, char in enumerate(text):
            puts.depth += {"{": 1, "}": -1}.get(char, 0)
            if puts.depth == 0:
                puts.pieces.append(text[:position])
                self._puts = None
                return self._write(puts)
        puts.pieces.append(text)
        return "\n+>"

    def _write(self, puts: _Puts) -> str:
        device = self.shell.device
        location = resolve(device, puts.path)
        if location is None or location.kind != FILE:
            return f'\ncouldn\'t open "{puts.path}": no such file or directory\n' + self.prompt()
        device.files[location.name] = ("\n".join(puts.pieces) + "\n").encode()
        return "\n" + self.prompt()


def _tclsh(shell: Shell, args: list[str]) -> str:
    shell.sub = Tclsh(shell)
    return ""


register(Command(("tclsh",), _tclsh, platforms=frozenset({"cisco_ios"})))
