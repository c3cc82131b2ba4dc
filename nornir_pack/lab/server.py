"""The Lab: many simulated devices served from one background event loop.

Tests, demos and ``nornir-pack lab up`` all use this class. Devices live on the loop's thread;
the calling thread only starts, stops and reads them through ``Lab.call``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import threading
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import asyncssh

from ..exceptions import LabConfigError

# Feature modules register their commands, JSON views and exec handlers when imported: every
# device served here has them, however the lab was imported.
from . import archive, bash, filesystem, scp, sessions, show, tclsh  # noqa: F401
from .device import Device, Knobs
from .eapi import EapiServer, serve_eapi
from .platforms import PLATFORMS
from .snmp import serve_snmp
from .ssh import LoginGauge, serve

if TYPE_CHECKING:
    from nornir.core import Nornir
    from nornir.core.inventory import Host

T = TypeVar("T")

# Inventory platform names (netutils, NAPALM, scrapli spellings) -> simulated platform.
PLATFORM_ALIASES: Mapping[str, str] = {
    "cisco_ios": "cisco_ios",
    "cisco_iosxe": "cisco_ios",
    "cisco_xe": "cisco_ios",
    "ios": "cisco_ios",
    "arista_eos": "arista_eos",
    "eos": "arista_eos",
}


class Lab:
    """A set of simulated devices listening on loopback addresses.

    >>> with Lab() as lab:
    ...     r1 = lab.add_device("r1", "cisco_ios")
    ...     # connect any SSH client to 127.0.0.1:r1.port
    """

    def __init__(self, address: str = "127.0.0.1", state_dir: Path | None = None) -> None:
        """``state_dir``: where devices keep their saved startup configs across lab runs
        (None: every run boots from the seed)."""
        self.address = address
        self.state_dir = state_dir
        self.devices: dict[str, Device] = {}
        self._addresses: dict[str, str] = {}
        self._acceptors: dict[str, asyncssh.SSHAcceptor] = {}
        self._eapi: dict[str, EapiServer] = {}
        self._snmp: dict[str, asyncio.DatagramTransport] = {}
        self._live: set[asyncssh.SSHServerConnection] = set()
        # logins in progress across every device, and the most at once
        self.logins = LoginGauge()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- building
    def add_device(
        self,
        name: str,
        platform: str = "cisco_ios",
        *,
        port: int = 0,
        address: str | None = None,
        username: str = "admin",
        password: str = "admin",
        secret: str | None = None,
        knobs: Knobs | None = None,
        config: str | None = None,
        eapi_port: int = 0,
        snmp_port: int | None = None,
    ) -> Device:
        """Add a device booted from ``config`` (default: the platform seed); serve it if running.

        Platforms with eAPI (EOS) also serve it over HTTP on ``eapi_port`` (0: a free port,
        recorded in ``device.eapi_port``). With ``snmp_port`` the device's SNMP agent answers
        on that UDP port (0: a free one, recorded in ``device.snmp_port``).
        """
        if name in self.devices:
            raise LabConfigError(f"device '{name}' is already in the lab: give each a unique name")
        address = address or self.address
        _require_loopback(address, name)
        device = Device.create(
            name,
            PLATFORM_ALIASES.get(platform, platform),
            config=config,
            port=port,
            username=username,
            password=password,
            secret=password if secret is None else secret,
            knobs=knobs or Knobs(),
            index=len(self.devices),
            eapi_port=eapi_port,
            snmp_port=snmp_port,
            state_file=self.state_dir / f"{name}.cfg" if self.state_dir else None,
        )
        self.devices[name] = device
        self._addresses[name] = address
        if self._loop is not None:
            self._run(self._serve(device))
        return device

    @classmethod
    def from_nornir(cls, nr: Nornir, state_dir: Path | None = None) -> Lab:
        """A lab serving every inventory host whose platform it simulates, as the host says.

        The device listens on the host's hostname and port, accepts the host's username and
        password, uses the enable secret from the host's connection options and takes its
        knobs from host data ``lab:``. EOS hosts serve eAPI on the port of their NAPALM
        connection options (``optional_args: {transport: http, port: N}``), else a free one.
        Hosts with data ``snmp_port`` answer SNMP on that UDP port.
        """
        lab = cls(state_dir=state_dir)
        for host in nr.inventory.hosts.values():
            platform = PLATFORM_ALIASES.get(host.platform or "")
            if platform is None:
                continue
            source = f"inventory host '{host.name}'"
            lab.add_device(
                host.name,
                platform,
                port=host.port or 22,
                address=host.hostname or "127.0.0.1",
                username=host.username or "admin",
                password=host.password or "admin",
                secret=enable_secret(host),
                knobs=Knobs.from_data(host.get("lab"), source),
                eapi_port=eapi_port(host),
                snmp_port=snmp_port(host),
            )
        return lab

    def address_of(self, name: str) -> str:
        """The loopback address a device listens on."""
        return self._addresses[name]

    # -- running
    def start(self) -> Lab:
        """Start the event loop thread and serve every device; returns once all listen."""
        if self._loop is not None:
            return self
        _quiet_lost_peers()
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="nornir-pack-lab", daemon=True)
        self._thread.start()
        ready.wait()
        self._loop = loop
        try:
            self._run(self._serve_all())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close every listener and connection, then stop the loop thread."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._close_all(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=30)
        loop.close()

    def call(self, func: Callable[[], T]) -> T:
        """Run ``func`` on the loop thread, where device state lives, and return its result."""
        if self._loop is None:
            return func()

        async def wrapper() -> T:
            return func()

        return self._run(wrapper())

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals
    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def _serve(self, device: Device) -> None:
        address = self._addresses[device.name]
        try:
            self._acceptors[device.name] = await serve(device, address, self._live, self.logins)
        except OSError as exc:
            raise LabConfigError(
                f"device '{device.name}': cannot listen on "
                f"{address}:{device.port} ({exc.strerror}): choose a free port"
            ) from None
        if device.platform.eapi:
            try:
                self._eapi[device.name] = await serve_eapi(device, address)
            except OSError as exc:
                raise LabConfigError(
                    f"device '{device.name}': cannot serve eAPI on "
                    f"{address}:{device.eapi_port} ({exc.strerror}): choose a free port"
                ) from None
        if device.snmp_port is not None:
            try:
                self._snmp[device.name] = await serve_snmp(device, address)
            except OSError as exc:
                raise LabConfigError(
                    f"device '{device.name}': cannot serve SNMP on udp "
                    f"{address}:{device.snmp_port} ({exc.strerror}): choose a free port"
                ) from None

    async def _serve_all(self) -> None:
        results = await asyncio.gather(
            *(self._serve(d) for d in self.devices.values()), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]

    async def _close_all(self) -> None:
        for transport in self._snmp.values():
            transport.close()
        self._snmp.clear()
        eapi = list(self._eapi.values())
        self._eapi.clear()
        await asyncio.gather(*(server.close() for server in eapi), return_exceptions=True)
        acceptors = list(self._acceptors.values())
        self._acceptors.clear()
        for acceptor in acceptors:
            acceptor.close()
        await asyncio.gather(*(a.wait_closed() for a in acceptors), return_exceptions=True)
        for conn in list(self._live):
            conn.abort()
        self._live.clear()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


class _LostPeerFilter(logging.Filter):
    """Drops asyncio's 'socket.send() raised exception.': a client that hangs up while a lab
    device is still answering is a normal end of a session, not something to print."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "socket.send() raised exception."


def _quiet_lost_peers() -> None:
    asyncio_logger = logging.getLogger("asyncio")
    if not any(isinstance(f, _LostPeerFilter) for f in asyncio_logger.filters):
        asyncio_logger.addFilter(_LostPeerFilter())


STATE_DIR_NAME = ".nornir-pack-lab"


def state_dir_for(config_file: Path) -> Path:
    """Where a lab served from this Nornir config keeps its devices' saved configs."""
    return config_file.resolve().parent / STATE_DIR_NAME


def enable_secret(host: Host) -> str | None:
    """The enable secret a host's connection options give to any of the three plugins."""
    netmiko = host.get_connection_parameters("netmiko").extras or {}
    scrapli = host.get_connection_parameters("scrapli").extras or {}
    napalm = host.get_connection_parameters("napalm").extras or {}
    optional_args = napalm.get("optional_args") or {}
    for value in (
        netmiko.get("secret"),
        scrapli.get("auth_secondary"),
        optional_args.get("secret"),
    ):
        if value:
            return str(value)
    return None


def eapi_port(host: Host) -> int:
    """The eAPI port a host's NAPALM connection options name, or 0: ``optional_args.port``,
    else the napalm connection's own ``port`` when it differs from the host's SSH port
    (nornir_napalm passes that one to the driver as ``optional_args.port``)."""
    napalm = host.get_connection_parameters("napalm")
    optional_args = (napalm.extras or {}).get("optional_args") or {}
    if optional_args.get("transport") == "ssh":
        return 0  # NAPALM eos over SSH: the port is the SSH port, not eAPI's
    own_port = napalm.port if napalm.port != host.port else None
    try:
        return int(optional_args.get("port") or own_port or 0)
    except (TypeError, ValueError):
        raise LabConfigError(
            f"inventory host '{host.name}': napalm optional_args.port must be a port number"
        ) from None


def snmp_port(host: Host) -> int | None:
    """The UDP port of a host's SNMP agent: host data ``snmp_port`` (None: no agent).

    Raises:
        LabConfigError: the value is not a port number.
    """
    value = host.get("snmp_port")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        value = "?"
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise LabConfigError(
            f"inventory host '{host.name}': data 'snmp_port' must be a UDP port number "
            f"(0-65535), not {host.get('snmp_port')!r}"
        )
    return port


def _require_loopback(address: str, name: str) -> None:
    """The lab only ever listens on this machine's loopback addresses."""
    if address == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(address).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LabConfigError(
            f"device '{name}': hostname '{address}' is not a loopback address: "
            "lab devices listen on 127.0.0.0/8, localhost or ::1 only"
        )


__all__ = ["PLATFORMS", "PLATFORM_ALIASES", "Lab", "enable_secret"]
