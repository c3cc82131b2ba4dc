"""State of one simulated device: identity, credentials, configs, files and fault knobs."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import LabConfigError
from ..files import write_atomic
from .config import ConfigNode, load_config, render
from .platforms import PLATFORMS, Platform

if TYPE_CHECKING:
    from .archive import RollbackTimer
    from .sessions import ConfigSession


@dataclass
class Knobs:
    """Fault injection, settable from Python or from host data ``lab:`` in the inventory.

    ``drop_after``/``hang_after`` count the commands of one connection: the device answers that
    many, then drops the TCP connection (or stops answering) when the next one arrives.
    """

    latency: float = 0.0  # seconds added before every command's answer
    reject_auth: bool = False
    drop_after: int | None = None
    hang_after: int | None = None
    reject_lines: tuple[str, ...] = ()  # regexes; matching config lines are refused
    # regexes; a command matching one drops the TCP connection before it is applied (a
    # session lost in the middle of a change, at a line of the test's choosing)
    drop_lines: tuple[str, ...] = ()
    # the first N SSH connections are closed before the handshake, as sshd's MaxStartups or
    # a busy line card does: a client that retries gets in on attempt N + 1
    refuse_connections: int = 0
    # regexes; while a line of the running config matches one, new SSH connections and eAPI
    # requests are dropped before authentication, as a broken management ACL or AAA line
    # does (sessions already open go on): what a change that locks out its own pusher leaves
    cut_logins_on: tuple[str, ...] = ()
    # Real seconds in one device minute: IOS revert timers and EOS commit timers run on this
    # clock, so a test can watch a "1 minute" revert happen in a second.
    minute_seconds: float = 60.0
    # -- what the device's SNMP agent reports (lab/snmp.py)
    cpu: float | None = None  # CPU load in percent (None: the device's usual few percent)
    # interfaces whose link is down (admin up, oper down), as the config names them
    interface_down: tuple[str, ...] = ()
    snmp_down: bool = False  # the SNMP agent stops answering, as a hung snmpd does
    # True: the device reboots the next time anything reads its clock (uptime starts again,
    # SNMP engine boots + 1, counters from 0); the knob then reads False again
    reboot: bool = False

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None, source: str) -> Knobs:
        """Build knobs from inventory data, naming the bad key when there is one."""
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise LabConfigError(
                f"{source}: 'lab' must be a mapping of knobs, e.g. {{latency: 0.5}}"
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise LabConfigError(
                f"{source}: unknown lab knob '{unknown[0]}': use one of {', '.join(sorted(known))}"
            )
        knobs = cls()
        for key, value in data.items():
            try:
                setattr(knobs, key, _coerce(key, value))
            except (TypeError, ValueError, re.error) as exc:
                raise LabConfigError(f"{source}: lab knob '{key}' has a bad value: {exc}") from None
        return knobs

    def rejects(self, line: str) -> bool:
        return any(re.search(pattern, line) for pattern in self.reject_lines)

    def drops(self, line: str) -> bool:
        return any(re.search(pattern, line) for pattern in self.drop_lines)


def _coerce(key: str, value: Any) -> Any:
    if key == "latency":
        seconds = float(value)
        if seconds < 0:
            raise ValueError("latency must be >= 0 seconds")
        return seconds
    if key == "minute_seconds":
        seconds = float(value)
        if seconds <= 0:
            raise ValueError("minute_seconds must be > 0 seconds")
        return seconds
    if key in ("reject_auth", "snmp_down", "reboot"):
        if not isinstance(value, bool):
            raise TypeError(f"{key} must be true or false")
        return value
    if key == "cpu":
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError("cpu must be a percentage from 0 to 100, e.g. 97")
        percent = float(value)
        if not 0 <= percent <= 100:
            raise ValueError("cpu must be a percentage from 0 to 100, e.g. 97")
        return percent
    if key == "interface_down":
        names = (value,) if isinstance(value, str) else value
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
            raise TypeError("interface_down must be a list of interface names")
        return tuple(names)
    if key == "refuse_connections":
        count = int(value)
        if count < 0:
            raise ValueError("refuse_connections must be a count of connections >= 0")
        return count
    if key in ("drop_after", "hang_after"):
        if value is None:
            return None
        count = int(value)
        if count < 0:
            raise ValueError(f"{key} must be a count of commands >= 0")
        return count
    patterns = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
    for pattern in patterns:
        re.compile(pattern)
    return patterns


@dataclass
class Device:
    """One simulated device. Mutated only on the lab's event loop thread."""

    name: str
    platform: Platform
    username: str = "admin"
    password: str = "admin"
    secret: str = "admin"
    port: int = 0
    index: int = 0
    knobs: Knobs = field(default_factory=Knobs)
    running: ConfigNode = field(default_factory=lambda: ConfigNode(""))
    startup: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    # When the device last booted (time.monotonic()): read it as ``booted``, which honours the
    # ``reboot`` knob; ``boots`` counts boots, as SNMP's snmpEngineBoots does.
    boot_time: float = field(default_factory=time.monotonic)
    boots: int = 1
    last_change: str = ""
    last_change_user: str = "admin"
    # Where `write memory` keeps the startup config, so the device boots from it next time.
    state_file: Path | None = None
    eapi_port: int = 0  # eAPI over HTTP, on platforms that serve it (0: a free port, recorded)
    # SNMP over UDP: None serves no agent; 0 a free port, recorded (lab/snmp.py)
    snmp_port: int | None = None
    sessions: dict[str, ConfigSession] = field(default_factory=dict)  # EOS config sessions
    rollback_timer: RollbackTimer | None = None  # IOS replace awaiting `configure confirm`
    # Authentication attempts over SSH and eAPI, good or bad: lets a test prove that a run
    # stopped on bad input before it logged in anywhere.
    logins: int = 0
    connections: int = 0  # SSH connections accepted (refused ones included)
    uploads: list[str] = field(default_factory=list)  # files received over SCP, in order

    @classmethod
    def create(
        cls, name: str, platform: str, *, config: str | None = None, **settings: Any
    ) -> Device:
        """A device booted with ``config`` (or the platform's seed) as running and startup."""
        spec = PLATFORMS.get(platform)
        if spec is None:
            raise LabConfigError(
                f"device '{name}': platform '{platform}' is not simulated: "
                f"use one of {', '.join(sorted(PLATFORMS))}"
            )
        device = cls(name=name, platform=spec, **settings)
        text = config if config is not None else spec.seed(name, device.index)
        if device.state_file is not None and device.state_file.is_file():
            text = device.state_file.read_text(encoding="utf-8")  # boot from the saved config
        root, errors = load_config(spec, text)
        if errors:
            bad = errors[0]
            raise LabConfigError(
                f"device '{name}': config line {bad.line_number} is {bad.outcome.value}: "
                f"{bad.line.strip()!r}"
            )
        device.running = root
        device.check_knobs()
        device.touch(device.username)
        device.startup = device.running_text()
        return device

    def check_knobs(self) -> None:
        """Refuse knobs that name what the device does not have (a typo would do nothing).

        Raises:
            LabConfigError: ``interface_down`` names an interface the config lacks.
        """
        names = {
            node.text.split()[1].lower(): node.text.split()[1]
            for node in self.running.children
            if node.text.startswith("interface ")
        }
        for name in self.knobs.interface_down:
            if name.lower() not in names:
                raise LabConfigError(
                    f"device '{self.name}': lab knob 'interface_down' names '{name}', which "
                    f"is not an interface of its config: use one of {', '.join(names.values())}"
                )

    @property
    def booted(self) -> float:
        """When the device last booted; a ``reboot`` knob set since makes that now."""
        if self.knobs.reboot:
            self.knobs.reboot = False
            self.boot_time = time.monotonic()
            self.boots += 1
        return self.boot_time

    @property
    def hostname(self) -> str:
        for node in self.running.children:
            if node.text.startswith("hostname "):
                return node.text.split(maxsplit=1)[1]
        return self.platform.name.split("_")[0].capitalize()

    @property
    def domain(self) -> str:
        """The DNS domain the config sets (IOS ``ip domain name``, EOS ``dns domain``)."""
        for node in self.running.children:
            for prefix in ("ip domain name ", "ip domain-name ", "dns domain "):
                if node.text.startswith(prefix):
                    return node.text[len(prefix) :].strip()
        return ""

    @property
    def fqdn(self) -> str:
        domain = self.domain
        return f"{self.hostname}.{domain}" if domain else self.hostname

    @property
    def serial(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()[:11].upper()

    def uptime(self) -> str:
        minutes = int(time.monotonic() - self.booted) // 60
        hours, minutes = divmod(minutes, 60)
        return f"0 days, {hours} hours, {minutes} minutes" if hours else f"{minutes} minutes"

    def touch(self, user: str) -> None:
        """Record a configuration change, as the config header reports it."""
        now = datetime.now(timezone.utc)
        self.last_change = now.strftime("%H:%M:%S UTC %a %b %d %Y")
        self.last_change_user = user

    def running_text(self) -> str:
        """The running config body, from the first command to ``end``."""
        return render(self.running, self.platform)

    def show_running(self) -> str:
        body = self.running_text()
        return self._header(self.platform.running_header, body) + body

    def show_startup(self) -> str:
        return self._header(self.platform.startup_header, self.startup) + self.startup

    def asks_before_copy(self) -> bool:
        """Whether copy/delete prompt for confirmation (IOS without ``file prompt quiet``)."""
        quiet = self.running.child("file prompt quiet") is not None
        return self.platform.copy_asks_destination and not quiet

    def save(self) -> None:
        """``write memory``: the running config becomes the startup config (and survives)."""
        self.startup = self.running_text()
        if self.state_file is not None:
            write_atomic(self.state_file, self.startup)

    def replace_running(self, root: ConfigNode, user: str) -> None:
        """Make ``root`` the running config, keeping the root node open CLI sessions edit."""
        self.running.children[:] = root.children
        self.touch(user)

    def logins_cut(self) -> bool:
        """Whether the running config holds a line that cuts new logins (``cut_logins_on``)."""
        patterns = self.knobs.cut_logins_on
        if not patterns:
            return False
        lines = [line.strip() for line in self.running_text().splitlines()]
        return any(re.search(pattern, line) for pattern in patterns for line in lines)

    def _header(self, template: str, body: str) -> str:
        return template.format(
            size=len(body),
            changed=self.last_change,
            user=self.last_change_user,
            hostname=self.hostname,
        )
