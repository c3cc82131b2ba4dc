"""Config backends: one contract to read, diff, apply, save and roll back a device's config.

Only this package imports napalm, netmiko or scrapli. A task asks ``for_host`` for the backend
of its host and never learns which library is underneath, so a deploy gives the same
normalised diff and the same guarantees (verify after every change, exact rollback to a
snapshot, connections closed when they fail) whichever plugin the run, group or host picks.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, cast

from nornir.core.plugins.connections import ConnectionPluginRegister

from ..diff import clean_config, merge, merge_diff, normalised_diff, remediation, sanitize
from ..exceptions import (
    DeviceError,
    DeviceUnreachable,
    LibraryError,
    NornirPackError,
    TransferFailed,
    UsageError,
    WrongDevice,
)
from ..logins import login, mark_step
from ..platforms import host_platform, host_plugin_platform
from ..plugins import register_connection_plugins
from ..redaction import Redactor

if TYPE_CHECKING:
    from nornir.core.configuration import Config
    from nornir.core.inventory import Host
    from nornir.core.task import Task

Mode = Literal["merge", "replace"]
MODES: tuple[Mode, ...] = ("merge", "replace")
PLUGINS: tuple[str, ...] = ("napalm", "netmiko", "scrapli")
DEFAULT_PLUGIN = "scrapli"

# plugin -> "module:class"; a module is imported only when a host uses its plugin.
_IMPLEMENTATIONS: Mapping[str, str] = {
    "napalm": "nornir_pack.backends.napalm:NapalmBackend",
    "netmiko": "nornir_pack.backends.netmiko:NetmikoBackend",
    "scrapli": "nornir_pack.backends.scrapli:ScrapliBackend",
}


class ConfigBackend(Protocol):
    """What every plugin offers a task. Configs are text; diffs are normalised text."""

    plugin: str
    platform: str  # canonical name, e.g. cisco_ios
    host: Host
    armed: bool  # a revert timer this backend set runs on the device (``apply_pending``)

    def running_config(self) -> str:
        """The running config with volatile lines removed (secrets still in: sanitise to show)."""

    def diff(self, candidate: str, mode: Mode = "merge", running: str | None = None) -> str:
        """Normalised diff from the running config (read unless given) to what ``candidate``
        would make of it; empty when nothing would change."""

    def apply(self, candidate: str, mode: Mode = "merge", running: str | None = None) -> None:
        """Make ``candidate`` the running config (replace) or merge it in, then verify."""

    def save(self) -> None:
        """Persist the running config to startup."""

    def apply_pending(
        self,
        candidate: str,
        mode: Mode = "merge",
        running: str | None = None,
        *,
        revert_after: float,
    ) -> None:
        """Like ``apply``, with a revert timer of ``revert_after`` seconds armed on the device:
        unless ``confirm`` comes in time, the device itself goes back to the config it had.
        Nothing is saved. A refused line leaves nothing behind (reverted or aborted at once)
        and raises DeviceError; so does a change that does not converge."""

    def confirm(self) -> None:
        """Confirm the pending change (the timer stops) and save it to startup; works over a
        new connection. DeviceError when nothing awaits confirmation (the timer fired)."""

    def pending(self) -> bool:
        """Whether a change awaits confirmation on the device (its revert timer runs)."""

    def revert_now(self) -> None:
        """Undo the pending change at once instead of waiting for the device's timer."""

    def rollback(self, snapshot: str) -> str:
        """Restore ``snapshot``, verify, save; return the normalised diff that was undone."""

    def close(self) -> None:
        """Close the connection, so a broken session is never reused. A change awaiting
        confirmation stays pending: its revert timer runs on, with no further login."""


def intended_config(running: str, candidate: str, mode: Mode, platform: str) -> str:
    """What the running config should be once ``candidate`` is applied in ``mode``.

    Replace: the candidate itself. Merge: the candidate laid over the running config the way
    the device does it (``diff.merge``).
    """
    return candidate if mode == "replace" else merge(running, candidate, platform)


def change_diff(running: str, candidate: str, mode: Mode, platform: str) -> str:
    """The normalised diff applying ``candidate`` in ``mode`` would make to ``running``:
    ``normalised_diff(running, intended_config(...))``, without building the whole
    intended config in merge mode (``diff.merge_diff``)."""
    if mode == "replace":
        return normalised_diff(running, candidate, platform)
    return merge_diff(running, candidate, platform)


_DIFF_LINE = re.compile(r"^(\s*)([-+] ?)(.*)$")


def sanitize_diff(diff: str, platform: str) -> str:
    """A normalised diff with every secret redacted, on ``+``/``-`` lines as on context lines.

    The sanitiser's patterns are anchored at the start of a config line, which a diff marker
    hides; each line is sanitised without its marker and the marker put back.
    """
    out = []
    for line in diff.splitlines():
        match = _DIFF_LINE.match(line)
        if match is None:
            out.append(sanitize(line, platform))
            continue
        indent, marker, body = match.groups()
        out.append(indent + marker + sanitize(indent + body, platform)[len(indent) :])
    return "\n".join(out) + ("\n" if diff.endswith("\n") else "")


def check_mode(mode: str) -> Mode:
    """The mode, or a UsageError naming the valid ones."""
    if mode not in MODES:
        raise UsageError(f"mode '{mode}' is not supported: use 'merge' or 'replace'")
    return mode


# ------------------------------------------------------------------ which plugin for a host
def _data_plugin(data: Mapping[str, Any]) -> Any:
    section = data.get("nornir_pack")
    return section.get("plugin") if isinstance(section, Mapping) else None


def plugin_sources(
    host: Host, config: Config, plugin: str | None = None
) -> Iterator[tuple[Any, str]]:
    """Every place a plugin may be chosen for a host, most specific first, with its name."""
    yield plugin, "the task's plugin= argument"
    yield _data_plugin(host.data), f"host '{host.name}' data nornir_pack.plugin"
    for group in host.extended_groups():
        yield _data_plugin(group.data), f"group '{group.name}' data nornir_pack.plugin"
    yield _data_plugin(host.defaults.data), "defaults data nornir_pack.plugin"
    section = config.user_defined.get("nornir_pack") or {}
    if isinstance(section, Mapping):
        yield section.get("plugin"), "config.yaml user_defined.nornir_pack.plugin"


def choose_plugin(host: Host, config: Config, plugin: str | None = None) -> str:
    """The plugin for this host: task argument, host/group/defaults data, config.yaml, scrapli.

    The ``nornir_pack.plugin`` key is looked up on its own through the host, its groups and the
    defaults, so a host that sets other ``nornir_pack`` keys still inherits its group's plugin.
    """
    for value, source in plugin_sources(host, config, plugin):
        if value is None:
            continue
        if value not in PLUGINS:
            raise UsageError(f"{source} is '{value}': use one of {', '.join(PLUGINS)}")
        return str(value)
    return DEFAULT_PLUGIN


def for_host(task: Task, plugin: str | None = None) -> ConfigBackend:
    """The backend the task's host should use (see ``choose_plugin``)."""
    host = task.host
    name = choose_plugin(host, task.nornir.config, plugin)
    module_name, _, class_name = _IMPLEMENTATIONS[name].partition(":")
    backend_class = getattr(importlib.import_module(module_name), class_name)
    return cast(ConfigBackend, backend_class(host, task.nornir.config))


def on_connection_loop(host: Host, config: Config, plugin: str | None = None) -> bool:
    """Whether the host's backend talks to the device only through the shared event loop
    (scrapli over asyncssh): its task may then run as a greenlet on that loop
    (``nornir_pack.greenlets``). A plugin choice that is wrong says no here; the task
    itself reports it."""
    try:
        if choose_plugin(host, config, plugin) != "scrapli":
            return False
    except UsageError:
        return False
    from .aio import ASYNC_TRANSPORTS  # noqa: PLC0415  (scrapli: only for scrapli hosts)

    extras = host.get_connection_parameters("scrapli").extras or {}
    return extras.get("transport", "asyncssh") in ASYNC_TRANSPORTS


# ------------------------------------------------------------------ which device answered
def pack_setting(host: Host, key: str) -> Any:
    """Host data ``nornir_pack.<key>``, looked up on its own through the host, its groups
    and the defaults (so setting one key on a host does not hide its group's others)."""
    elements: list[Any] = [host, *host.extended_groups(), host.defaults]
    for element in elements:
        section = (element.data or {}).get("nornir_pack")
        if isinstance(section, Mapping) and section.get(key) is not None:
            return section[key]
    return None


def expected_hostname(host: Host) -> str | None:
    """The hostname the device must report, from host data ``nornir_pack.expected_hostname``:
    a name, or ``true`` for the inventory name of the host; absent or false: no check."""
    value = pack_setting(host, "expected_hostname")
    if value is True:
        return host.name
    if not value:
        return None
    return str(value)


def check_identity(host: Host, plugin: str, reported: str) -> None:
    """Fail (and drop the connection) when the device reached is not the host meant.

    Compared without case and without a domain, as prompts show only the first label. A
    wrong device is never read from or written to: the check runs right after login.
    """
    expected = expected_hostname(host)
    if expected is None:
        return
    actual = re.sub(r"\(.*?\)|[#>$\s]+$", "", reported.strip()).strip()
    if actual.split(".")[0].lower() != expected.split(".")[0].lower():
        drop_connection(host, plugin)
        raise WrongDevice(
            f"the device at {host.hostname}:{host.port or 22} calls itself '{actual}', but host "
            f"'{host.name}' expects '{expected}' (nornir_pack.expected_hostname): "
            "fix the host's hostname or port in the inventory"
        )


# ------------------------------------------------------------------ connections
# The Nornir connection each plugin's backend opens, where it is not the plugin's own: scrapli
# runs every host on one event loop (backends/aio.py), configured by the host's scrapli options.
CONNECTIONS: Mapping[str, str] = {"scrapli": "nornir_pack_scrapli"}


def connection_name(plugin: str) -> str:
    """The name of the Nornir connection that ``plugin``'s backend opens on a host."""
    return CONNECTIONS.get(plugin, plugin)


def open_connection(host: Host, config: Config, plugin: str) -> Any:
    """The host's open connection for ``plugin``, opened through Nornir with the right platform.

    Nornir's connection plugins pass the host platform unchanged; scrapli wants ``cisco_iosxe``
    and NAPALM ``ios`` where the inventory says ``cisco_ios``, so the name is mapped here.
    The plugin gets a deep copy of the extras: Nornir shares one dict among every host that
    inherits it, and nornir_napalm writes the host's port into it (the next host would reach
    this host's device).
    """
    name = connection_name(plugin)
    if name not in host.connections:
        ensure_registered(name)
        options = host.get_connection_parameters(plugin)
        platform = host_plugin_platform(host, plugin)

        def connect() -> Any:
            return host.open_connection(
                name,
                config,
                hostname=options.hostname,
                username=options.username,
                password=options.password,
                port=options.port,
                platform=platform,
                extras=copy.deepcopy(options.extras) if options.extras else {},
            )

        login(host.name, connect)  # within the run's login cap, with its retries
        after_login = getattr(host.connections[name].connection, "after_login", None)
        if after_login is not None:
            try:
                after_login()
            except Exception:
                drop_connection(host, plugin)  # half-open: never reuse it
                raise
    return host.connections[name].connection


def ensure_registered(plugin: str) -> None:
    """Register the installed connection plugins if ``plugin`` is not known yet.

    InitNornir does this; a Nornir object built by hand (``Nornir(inventory=...)``) does not,
    and would fail with PluginNotRegistered.
    """
    if plugin not in ConnectionPluginRegister.available:
        register_connection_plugins()


def drop_connection(host: Host, plugin: str) -> None:
    """Close and forget the host's connection for ``plugin``; a broken close is ignored."""
    connection = host.connections.pop(connection_name(plugin), None)
    if connection is None:
        return
    try:
        connection.close()
    except Exception:  # the session is already unusable; forgetting it is the point
        return


def require_converged(remaining: str, platform: str, after: str) -> None:
    """Fail unless re-reading the device left nothing of the candidate to apply."""
    if remaining:
        raise DeviceError(
            f"the running config does not match the candidate after {after}; "
            f"still different:\n{sanitize_diff(remaining, platform)}"
        )


def redact(text: str, host: Host) -> str:
    """``text`` with the host's passwords and secrets replaced by ``<redacted>``."""
    return Redactor.from_host(host)(text)


# A library exception whose class (or a base class) has one of these names means the device
# was not reached or the session broke; one that names a config or commit error means the
# device refused. Anything else is a library error. Names, so that no library is imported.
_UNREACHABLE_NAMES = re.compile(
    r"Connect|Connection|Timeout|Auth|EOF|Socket|SSHException|Channel|OSError|NotOpened"
)
_REFUSED_NAMES = re.compile(r"MergeConfig|ReplaceConfig|CommitError|CommandError|ConfigInvalid")


def library_error_class(exc: BaseException) -> type[DeviceError]:
    """Which DeviceError a library's exception stands for (see ``exceptions.py``)."""
    names = [cls.__name__ for cls in type(exc).__mro__]
    if any(_REFUSED_NAMES.search(name) for name in names):
        return DeviceError
    if any(_UNREACHABLE_NAMES.search(name) for name in names):
        return DeviceUnreachable
    return LibraryError


@contextmanager
def device_errors(host: Host, plugin: str, action: str) -> Iterator[None]:
    """Turn any library exception into a DeviceError (unreachable, refused or a library
    error) and drop the (suspect) connection."""
    mark_step(host.name, f"{action} over {plugin}")
    try:
        yield
    except NornirPackError:
        raise
    except Exception as exc:
        drop_connection(host, plugin)
        error_class = library_error_class(exc)
        raise error_class(f"{action} failed over {plugin}: {describe(exc, host)}") from None


def describe(exc: BaseException, host: Host, limit: int = 400) -> str:
    """A library exception as one line: its type and text (the device's error lines
    included), secrets sanitised and the host's credentials redacted."""
    lines = [line.strip() for line in str(exc).splitlines()]
    lines = [line for line in lines if line and set(line) != {"^"}]  # drop IOS caret lines
    try:
        platform = host_platform(host)
    except UsageError:
        platform = ""
    if platform:
        lines = [sanitize(line, platform) for line in lines]
    text = redact(" | ".join(lines), host)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_HOSTNAME_LINE = re.compile(r"^hostname (\S+)", re.MULTILINE)


# ------------------------------------------------------------------ CLI backends
@dataclass(frozen=True)
class CliPlatform:
    """How a platform's CLI shows and saves its config and says that it refused a line."""

    show_running: str
    save: str
    errors: tuple[str, ...]


_IOS_ERRORS = (
    "% Invalid input detected",
    "% Incomplete command",
    "% Ambiguous command",
    "% Unknown command",
    "% Duplicate sequence number",  # an ACL entry number taken by another entry
)
CLI_PLATFORMS: Mapping[str, CliPlatform] = {
    "cisco_ios": CliPlatform("show running-config", "write memory", _IOS_ERRORS),
    "cisco_xe": CliPlatform("show running-config", "write memory", _IOS_ERRORS),
    "arista_eos": CliPlatform(
        "show running-config",
        "copy running-config startup-config",
        (
            "% Invalid input",
            "% Incomplete command",
            "% Ambiguous command",
            "% Error",
            "% Cannot commit",
            "% Unavailable command",
            "% Duplicate sequence number",
        ),
    ),
}


class CliBackend:
    """The ConfigBackend of a CLI library: hier_config remediation pushed in config mode.

    Subclasses only say how to run one exec command and how to push config lines; the
    sequence (remediation, push with error detection, re-read, verify, rollback) is shared so
    that netmiko and scrapli cannot drift apart.
    """

    plugin: ClassVar[str]

    def __init__(self, host: Host, config: Config) -> None:
        self.host = host
        self.config = config
        self.platform = host_platform(host)
        cli = CLI_PLATFORMS.get(self.platform)
        if cli is None:
            raise UsageError(
                f"host '{host.name}': platform '{host.platform}' has no {self.plugin} backend: "
                f"use one of {', '.join(CLI_PLATFORMS)}"
            )
        self.cli = cli
        self._unverified = False  # a fresh connection whose device is not checked yet
        # the change this backend committed with a revert timer: armed (timer running), and
        # the EOS session it went through (confirm needs its name)
        self.armed = False
        self.pending_session: str | None = None

    # -- transport, per library
    def _send_command(self, command: str) -> str:
        raise NotImplementedError

    def _send_config(self, lines: list[str]) -> None:
        """Push lines in config mode, stopping at the first the device refuses (DeviceError)."""
        raise NotImplementedError

    # -- the contract
    def running_config(self) -> str:
        with device_errors(self.host, self.plugin, "reading the running config"):
            text = self._send_command(self.cli.show_running)
        self._check_output(self.cli.show_running, text)
        self._check_reached(text)
        return clean_config(text, self.platform)

    def diff(self, candidate: str, mode: Mode = "merge", running: str | None = None) -> str:
        current = self.running_config() if running is None else running
        return change_diff(current, candidate, mode, self.platform)

    def apply(self, candidate: str, mode: Mode = "merge", running: str | None = None) -> None:
        """Merge: the remediation typed in config mode. Replace: atomic, from a file the
        candidate is uploaded to (``commit.replace``), so no session is cut half-way."""
        current = self.running_config() if running is None else running
        if mode == "replace":
            commit.replace(self, candidate, None)
        else:
            intended = intended_config(current, candidate, mode, self.platform)
            self._push(remediation(current, intended, self.platform))
        require_converged(self.diff(candidate, mode), self.platform, "the change")

    def apply_pending(
        self,
        candidate: str,
        mode: Mode = "merge",
        running: str | None = None,
        *,
        revert_after: float,
    ) -> None:
        current = self.running_config() if running is None else running
        if mode == "replace":
            commit.replace(self, candidate, revert_after)
        else:
            intended = intended_config(current, candidate, mode, self.platform)
            commit.merge_pending(self, remediation(current, intended, self.platform), revert_after)
        remaining = self.diff(candidate, mode)
        if remaining:
            cause = DeviceError(
                "the running config does not match the candidate after the change; "
                f"still different:\n{sanitize_diff(remaining, self.platform)}"
            )
            if self.armed or self.pending_session is not None:
                commit.undo(self, cause)
            raise cause

    def confirm(self) -> None:
        commit.confirm(self)

    def pending(self) -> bool:
        return commit.is_pending(self)

    def revert_now(self) -> None:
        commit.revert_now(self)

    def save(self) -> None:
        self._check_reached()
        with device_errors(self.host, self.plugin, "saving the config"):
            output = self._send_command(self.cli.save)
        self._check_output(self.cli.save, output)

    def rollback(self, snapshot: str) -> str:
        """Back to ``snapshot`` by an atomic replace (a rollback typed line by line can cut
        its own session); line by line only when the snapshot cannot be uploaded."""
        self.close()  # the failed session may sit in config mode: start clean
        if self.armed or self.pending_session is not None:
            with contextlib.suppress(DeviceError):  # the replace below restores all the same
                self.revert_now()
        current = self.running_config()
        undone = normalised_diff(current, snapshot, self.platform)
        if undone:
            try:
                commit.replace(self, snapshot, None)
            except TransferFailed:
                self._push(remediation(current, snapshot, self.platform))
        remaining = normalised_diff(self.running_config(), snapshot, self.platform)
        if remaining:
            raise DeviceError(
                "the running config still differs from the snapshot:\n"
                + sanitize_diff(remaining, self.platform)
            )
        self.save()
        return undone

    def close(self) -> None:
        drop_connection(self.host, self.plugin)

    # -- shared steps
    @property
    def connection(self) -> Any:
        fresh = connection_name(self.plugin) not in self.host.connections
        connection = open_connection(self.host, self.config, self.plugin)
        if fresh and expected_hostname(self.host) is not None:
            self._unverified = True  # checked before the first write, or by the first read
        return connection

    def _check_reached(self, running: str | None = None) -> None:
        """Fail unless the device reached is the host meant (see ``check_identity``).

        A connection is checked once: by the ``hostname`` line of the first running config
        it reads (no extra round trip; every flow reads before it writes), else by its prompt.
        """
        if not self._unverified:
            return
        self._unverified = False
        match = _HOSTNAME_LINE.search(running or "")
        if match is not None:
            reported = match.group(1)
        else:
            connection = self.connection
            with device_errors(self.host, self.plugin, "reading the prompt"):
                reported = self._prompt(connection)
        check_identity(self.host, self.plugin, reported)

    def _prompt(self, connection: Any) -> str:
        """The device's prompt, whose hostname ``check_identity`` compares."""
        raise NotImplementedError

    def _push(self, commands: str) -> None:
        lines = [line for line in commands.splitlines() if line.strip()]
        if not lines:
            return
        self._check_reached()
        self.push_lines(lines)
        self.close_if_renamed(lines)

    # -- steps of commit.py's flows (atomic replace, revert timers)
    def _enter_mode(self, command: str) -> str:
        """Run a command that enters a config mode (the prompt changes); its output."""
        raise NotImplementedError

    def check_reached(self) -> None:
        self._check_reached()

    def push_lines(self, lines: list[str]) -> None:
        """Type ``lines`` in config mode (staying in the mode or session already entered)."""
        try:
            with device_errors(self.host, self.plugin, "pushing the config"):
                self._send_config(lines)
        except DeviceError:
            self.close()  # a refused line leaves the session in config mode
            raise

    def close_if_renamed(self, lines: list[str]) -> None:
        if any(line.startswith("hostname ") for line in lines):
            self.close()  # the prompt changed with the hostname: log in again to learn it

    def send_exec(self, command: str) -> str:
        """One exec command's output, unchecked."""
        with device_errors(self.host, self.plugin, f"'{command}'"):
            return self._send_command(command)

    def exec_checked(self, command: str) -> str:
        """One exec command's output; DeviceError when the device answers with a ``%`` error."""
        output = self.send_exec(command)
        self._check_refused(command, output)
        return output

    def enter(self, command: str) -> None:
        """Enter the config mode or session ``command`` opens; DeviceError if refused."""
        with device_errors(self.host, self.plugin, f"'{command}'"):
            output = self._enter_mode(command)
        self._check_refused(command, output)

    def _check_refused(self, command: str, output: str) -> None:
        lines = output.splitlines()
        refused = next((line for line in lines if line.lstrip().startswith("%")), None)
        if refused is not None:
            hint = ""
            if "archive" in refused.lower():
                hint = ": a revert timer needs 'archive' with ' path flash:archive' in the config"
            raise DeviceError(f"'{command}' was refused: {refused.strip()}{hint}")

    def _check_output(self, command: str, output: str) -> None:
        for error in self.cli.errors:
            if error in output:
                raise DeviceError(f"'{command}' was refused: {error}")

    def _error_in(self, output: str) -> str | None:
        return next((error for error in self.cli.errors if error in output), None)


from . import commit  # noqa: E402  (its flows take a CliBackend; imported once it exists)

__all__ = [
    "CLI_PLATFORMS",
    "DEFAULT_PLUGIN",
    "MODES",
    "PLUGINS",
    "CliBackend",
    "CliPlatform",
    "ConfigBackend",
    "DeviceError",
    "Mode",
    "check_identity",
    "check_mode",
    "choose_plugin",
    "describe",
    "device_errors",
    "drop_connection",
    "ensure_registered",
    "expected_hostname",
    "for_host",
    "intended_config",
    "open_connection",
    "pack_setting",
    "redact",
    "sanitize_diff",
]
