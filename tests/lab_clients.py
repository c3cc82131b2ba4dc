"""How the tests' real clients reach a lab device: one place for the connection settings."""

from __future__ import annotations

from typing import Any

from netmiko import BaseConnection, ConnectHandler

from nornir_pack.lab import Device
from tests.conftest import PASSWORD, SECRET

# The lab's platform -> scrapli's name for it
SCRAPLI_PLATFORMS = {"cisco_ios": "cisco_iosxe", "arista_eos": "arista_eos"}


def scrapli_options(
    device: Device, *, transport: str = "system", timeout: float = 10, **extra: Any
) -> dict[str, Any]:
    """Keyword arguments for Scrapli / AsyncScrapli to log in to ``device``."""
    return {
        "host": "127.0.0.1",
        "port": device.port,
        "auth_username": "admin",
        "auth_password": PASSWORD,
        "auth_secondary": SECRET,
        "auth_strict_key": False,
        "platform": SCRAPLI_PLATFORMS[device.platform.name],
        "transport": transport,
        "timeout_socket": timeout,
        "timeout_transport": timeout,
        "timeout_ops": timeout,
        **extra,
    }


def netmiko_connect(device: Device, **extra: Any) -> BaseConnection:
    """A logged-in netmiko session on ``device`` (its platform is netmiko's device_type)."""
    return ConnectHandler(
        device_type=device.platform.name,
        host="127.0.0.1",
        port=device.port,
        username="admin",
        password=PASSWORD,
        secret=SECRET,
        **extra,
    )
