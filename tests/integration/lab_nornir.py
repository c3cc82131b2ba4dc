"""A Nornir object over lab devices, built the way a user builds one: YAML inventory + InitNornir.

Devices come from the session lab on ephemeral ports, so tests never collide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from nornir import InitNornir
from nornir.core import Nornir

from nornir_pack.lab import Device
from tests.conftest import PASSWORD, SECRET

# Secret material in the lab seeds (hashes, type-7 password, SNMP RW community); a backup or a
# diff must show none of it.
SEED_SECRETS = (
    "$9$6Vq3mKp1TzYbXw$3lAbG1uQeCzJ8yq0oUeN2Hn5wVdRrTk7SxFmPa4Lh9E",
    "$9$Zp8rL2wqN0cVbE$kQ5uYhT3mF7sJd1XoRa9GiWl2CnPz6BvUe4Ky8Mt0Hc",
    "0822455D0A165445415F59",
    "Sup3rS3cretRW",
    "$6$Xq1Lb7cPz2WnRk4T$",
    "$6$Tz5Nd8qWm1KvBx3R$",
    "$6$Rk2Wq8Lm5NzTb1Vx$",
    PASSWORD,
    SECRET,
)


def defaults() -> dict[str, Any]:
    return {
        "username": "admin",
        "password": PASSWORD,
        "connection_options": {
            "netmiko": {"extras": {"secret": SECRET}},
            "scrapli": {
                "extras": {
                    "auth_secondary": SECRET,
                    "auth_strict_key": False,
                    "timeout_socket": 15,
                    "timeout_transport": 30,
                    "timeout_ops": 30,
                }
            },
            "napalm": {"extras": {"optional_args": {"secret": SECRET}}},
        },
    }


def host_entry(device: Device, plugin: str | None = None, **data: Any) -> dict[str, Any]:
    """Inventory entry for a lab device; ``plugin`` goes to host data ``nornir_pack.plugin``."""
    entry: dict[str, Any] = {
        "hostname": "127.0.0.1",
        "port": device.port,
        "platform": device.platform.name,
        "data": dict(data),
    }
    if plugin is not None:
        entry["data"]["nornir_pack"] = {"plugin": plugin}
    eapi_port = getattr(device, "eapi_port", None)
    if device.platform.name == "arista_eos" and eapi_port:
        entry["connection_options"] = {
            "napalm": {
                "extras": {
                    "optional_args": {"transport": "http", "port": eapi_port, "secret": SECRET}
                }
            }
        }
    return entry


def build_nornir(
    folder: Path,
    hosts: dict[str, dict[str, Any]],
    *,
    groups: dict[str, Any] | None = None,
    defaults_data: dict[str, Any] | None = None,
    dry_run: bool = False,
    user_defined: dict[str, Any] | None = None,
) -> Nornir:
    """Write hosts/groups/defaults YAML under ``folder`` and InitNornir over them."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"hosts": hosts, "groups": groups or {}, "defaults": defaults()}
    if defaults_data:
        files["defaults"]["data"] = defaults_data
    for name, content in files.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(content))
    return InitNornir(
        inventory={
            "plugin": "SimpleInventory",
            "options": {
                "host_file": str(folder / "hosts.yaml"),
                "group_file": str(folder / "groups.yaml"),
                "defaults_file": str(folder / "defaults.yaml"),
            },
        },
        runner={"plugin": "threaded", "options": {"num_workers": 4}},
        logging={"enabled": False},
        dry_run=dry_run,
        user_defined=user_defined or {},
    )
