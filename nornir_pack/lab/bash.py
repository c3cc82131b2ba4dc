"""EOS ``bash``: the few Linux commands file transfer clients run on a switch's flash.

netmiko's Arista file transfer (``file_transfer``, NAPALM-free SCP) checks free space with
``/bin/df -k /mnt/flash``, whether a file exists with ``/bin/ls /mnt/flash/f 2> /dev/null`` and
its size with ``/bin/ls -l``, from the ``bash`` shell, then ``exit`` back to the CLI. The EOS
flash file system is the Linux directory ``/mnt/flash`` (``filesystem.resolve`` knows both).
"""

from __future__ import annotations

import shlex
import time

from .filesystem import FILE, md5_of, resolve
from .shell import REST, Command, Shell, register

_EOS = frozenset({"arista_eos"})
_MOUNT = "/mnt/flash"


class Bash:
    """The Linux shell of one CLI session; ``exit`` hands the session back to the CLI."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def prompt(self) -> str:
        return f"[{self.shell.user}@{self.shell.device.hostname} ~]$ "

    def handle(self, line: str) -> str:
        text = line.strip()
        if text in ("exit", "logout"):
            self.shell.sub = None
            return "\nlogout\n" + self.shell.prompt()
        output = self.run(text) if text else ""
        return "\n" + output + self.prompt()

    def run(self, text: str) -> str:
        """One command line's output (``2> /dev/null`` and the like are ignored)."""
        try:
            words = shlex.split(text)
        except ValueError:
            return "bash: syntax error\n"
        quiet = any(word.startswith("2>") for word in words)  # errors to /dev/null
        words = [w for w in words if not w.startswith(("2>", ">")) and w != "/dev/null"]
        if not words:
            return ""
        output = self._program(words)
        if quiet:
            output = "".join(
                line
                for line in output.splitlines(keepends=True)
                if not line.startswith(("ls: ", "md5sum: ", "df: "))
            )
        return output

    def _program(self, words: list[str]) -> str:
        program = words[0].rsplit("/", 1)[-1]
        args = [w for w in words[1:] if not w.startswith("-")]
        flags = "".join(w[1:] for w in words[1:] if w.startswith("-"))
        if program == "df":
            return self._df()
        if program == "ls":
            return "".join(self._ls(path, long="l" in flags) for path in args or [_MOUNT])
        if program == "md5sum":
            return "".join(self._md5sum(path) for path in args)
        return f"bash: {words[0]}: command not found\n"

    def _name(self, path: str) -> str | None:
        location = resolve(self.shell.device, path)
        if location is None or location.kind != FILE:
            return None
        return location.name if location.name in self.shell.device.files else None

    def _df(self) -> str:
        device = self.shell.device
        total = device.platform.flash_size // 1024
        used = sum(len(data) for data in device.files.values()) // 1024
        percent = used * 100 // max(total, 1)
        return (
            "Filesystem     1K-blocks    Used Available Use% Mounted on\n"
            f"/dev/sda1     {total:>10} {used:>7} {total - used:>9} {percent:>3}% {_MOUNT}\n"
        )

    def _ls(self, path: str, *, long: bool) -> str:
        device = self.shell.device
        if path.rstrip("/") == _MOUNT:
            names = sorted(device.files)
            if not long:
                return "".join(name + "\n" for name in names)
            return "".join(self._long(f"{_MOUNT}/{name}", name) for name in names)
        name = self._name(path)
        if name is None:
            return f"ls: cannot access '{path}': No such file or directory\n"
        return self._long(path, name) if long else path + "\n"

    def _long(self, path: str, name: str) -> str:
        size = len(self.shell.device.files[name])
        stamp = time.strftime("%b %d %H:%M", time.gmtime())
        return f"-rwxrwx--- 1 {self.shell.user} eosadmin {size} {stamp} {path}\n"

    def _md5sum(self, path: str) -> str:
        name = self._name(path)
        if name is None:
            return f"md5sum: {path}: No such file or directory\n"
        return f"{md5_of(self.shell.device.files[name])}  {path}\n"


def _bash(shell: Shell, args: list[str]) -> str:
    """``bash``: a Linux shell; ``bash <command>``: run one command and stay in the CLI."""
    shell_ = Bash(shell)
    if args:
        return shell_.run(" ".join(args))
    shell.sub = shell_
    return "Arista Networks EOS shell\n\n"


register(Command(("bash", REST), _bash, platforms=_EOS))
