"""Show commands that NAPALM ``get_facts`` parses, built from the device's state.

IOS: ``show hosts`` (domain), ``show ip interface brief`` (interface list) and ``show
interfaces`` (what NAPALM ``get_interfaces`` parses). EOS: the JSON views of ``show version``,
``show hostname`` and ``show interfaces`` with the fields NAPALM reads, for eAPI and ``| json``.
Interfaces are the ``interface`` sections of the running config, so a config change shows up in
the facts; an interface is admin down with ``shutdown`` and oper down with it or when the
``interface_down`` knob names it, as over SNMP.
"""

from __future__ import annotations

import re
import time
from typing import Any

from .config import ConfigNode
from .device import Device
from .shell import REST, Command, Shell, register, register_json

_IOS = frozenset({"cisco_ios"})
_EOS = frozenset({"arista_eos"})


def interfaces(device: Device) -> list[ConfigNode]:
    return [node for node in device.running.children if node.text.startswith("interface ")]


def _name(node: ConfigNode) -> str:
    return node.text.split()[1]


def _address(node: ConfigNode) -> str | None:
    """The primary address: ``A.B.C.D M.M.M.M`` (IOS) or ``A.B.C.D/N`` (EOS)."""
    for child in node.children:
        words = child.text.split()
        if words[:2] == ["ip", "address"] and len(words) >= 3 and "secondary" not in words:
            return " ".join(words[2:4])
    return None


def _shutdown(node: ConfigNode) -> bool:
    return node.child("shutdown") is not None


def _oper_down(device: Device, node: ConfigNode) -> bool:
    """Down for its peer: shut, or named by the ``interface_down`` knob (a pulled cable)."""
    down = {name.lower() for name in device.knobs.interface_down}
    return _shutdown(node) or _name(node).lower() in down


def _mac(device: Device) -> str:
    digits = "525400" + device.serial[:6].lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


# -- IOS
def _show_hosts(shell: Shell, args: list[str]) -> str:
    device = shell.device
    domain = device.domain
    lookup = "static mappings" if device.running.child("no ip domain lookup") else "domain service"
    return (
        f"Default domain is {domain or 'not set'}\n"
        f"Name/address lookup uses {lookup}\n"
        "\n"
        "Codes: UN - unknown, EX - expired, OK - OK, ?? - revalidate\n"
        "       temp - temporary, perm - permanent\n"
        "       NA - Not Applicable None - Not defined\n"
        "\n"
        "Host                      Port  Flags      Age Type   Address(es)\n"
    )


def _show_ip_interface_brief(shell: Shell, args: list[str]) -> str:
    lines = [f"{'Interface':<27}{'IP-Address':<16}OK? Method Status                Protocol"]
    for node in interfaces(shell.device):
        address = _address(node)
        ip = address.split()[0].split("/")[0] if address else "unassigned"
        method = "NVRAM" if address else "unset"
        status, protocol = ("administratively down", "down") if _shutdown(node) else ("up", "up")
        lines.append(f"{_name(node):<27}{ip:<16}YES {method:<7}{status:<22}{protocol}")
    return "\n".join(lines) + "\n"


def _show_ios_interfaces(shell: Shell, args: list[str]) -> str:
    """IOS ``show interfaces [NAME]``: the lines NAPALM reads, in IOS's order (the MTU line
    closes an interface's entry for NAPALM, so the address and description come first)."""
    device = shell.device
    wanted = {a.lower() for a in args}
    dotted = _mac(device).replace(":", "")
    mac = ".".join(dotted[i : i + 4] for i in range(0, 12, 4))
    lines: list[str] = []
    for node in interfaces(device):
        name = _name(node)
        if wanted and name.lower() not in wanted:
            continue
        if _shutdown(node):
            state, protocol = "administratively down", "down"
        else:
            state = protocol = "down" if _oper_down(device, node) else "up"
        loopback = name.startswith("Loopback")
        lines.append(f"{name} is {state}, line protocol is {protocol} ")
        hardware = "Loopback" if loopback else f"CSR vNIC, address is {mac} (bia {mac})"
        lines.append(f"  Hardware is {hardware}")
        for child in node.children:
            if child.text.startswith("description "):
                lines.append(f"  Description: {child.text.split(maxsplit=1)[1]}")
        address = _address(node)
        if address:
            ip, _, mask = address.partition(" ")
            length = sum(bin(int(octet)).count("1") for octet in mask.split(".")) if mask else 32
            lines.append(f"  Internet address is {ip}/{length}")
        bandwidth = 8000000 if loopback else 1000000
        lines.append(
            f"  MTU {1514 if loopback else 1500} bytes, BW {bandwidth} Kbit/sec, DLY 10 usec,"
        )
        lines.append("     reliability 255/255, txload 1/255, rxload 1/255")
    return "\n".join(lines) + "\n"


# -- EOS
def _version_field(device: Device, label: str, default: str = "") -> str:
    match = re.search(rf"^{re.escape(label)}:\s*(\S+)", device.platform.show_version, re.M)
    return match.group(1) if match else default


def version_view(shell: Shell, args: list[str]) -> dict[str, Any]:
    device = shell.device
    up = time.monotonic() - device.booted
    mac = _mac(device)
    return {
        "mfgName": "Arista",
        "modelName": device.platform.model,
        "hardwareRevision": "",
        "serialNumber": device.serial,
        "systemMacAddress": mac,
        "hwMacAddress": mac,
        "configMacAddress": "00:00:00:00:00:00",
        "version": device.platform.os_version,
        "architecture": _version_field(device, "Architecture", "x86_64"),
        "internalVersion": _version_field(device, "Internal build version"),
        "internalBuildId": _version_field(device, "Internal build ID"),
        "imageFormatVersion": _version_field(device, "Image format version"),
        "imageOptimization": _version_field(device, "Image optimization"),
        "bootupTimestamp": round(time.time() - up, 3),
        "uptime": round(up, 3),
        "memTotal": int(_version_field(device, "Total memory", "0")),
        "memFree": int(_version_field(device, "Free memory", "0")),
        "isIntlVersion": False,
    }


def hostname_view(shell: Shell, args: list[str]) -> dict[str, Any]:
    return {"hostname": shell.device.hostname, "fqdn": shell.device.fqdn}


def _hardware(name: str) -> str:
    for prefix, kind in (("Loopback", "loopback"), ("Management", "ethernet")):
        if name.startswith(prefix):
            return kind
    return "subinterface" if "." in name else "ethernet"


def _interface(device: Device, node: ConfigNode, booted: float) -> dict[str, Any]:
    name = _name(node)
    down = _shutdown(node)
    oper_down = _oper_down(device, node)
    description = next(
        (c.text.split(maxsplit=1)[1] for c in node.children if c.text.startswith("description ")),
        "",
    )
    address = _address(node)
    addresses = []
    if address and "/" in address:
        ip, length = address.split("/")
        addresses.append({"primaryIp": {"address": ip, "maskLen": int(length)}})
    loopback = _hardware(name) == "loopback"
    routed = loopback or node.child("no switchport") is not None
    entry: dict[str, Any] = {
        "name": name,
        "forwardingModel": "routed" if routed else "bridged",
        "lineProtocolStatus": "down" if oper_down else "up",
        "interfaceStatus": "disabled" if down else "notconnect" if oper_down else "connected",
        "hardware": _hardware(name),
        "interfaceAddress": addresses,
        "description": description,
        "bandwidth": 0 if loopback else 1_000_000_000,
        "mtu": 65535 if loopback else 1500,
        "l3MtuConfigured": False,
        "lastStatusChangeTimestamp": booted,
        "interfaceCounters": {"inOctets": 0, "outOctets": 0, "inUcastPkts": 0, "outUcastPkts": 0},
    }
    if not loopback:
        entry["physicalAddress"] = entry["burnedInAddress"] = _mac(device)
    return entry


def interfaces_view(shell: Shell, args: list[str]) -> dict[str, Any]:
    device = shell.device
    booted = round(time.time() - (time.monotonic() - device.booted), 3)
    wanted = {a.lower() for a in args}
    return {
        "interfaces": {
            _name(node): _interface(device, node, booted)
            for node in interfaces(device)
            if not wanted or _name(node).lower() in wanted
        }
    }


def _show_interfaces(shell: Shell, args: list[str]) -> str:
    lines: list[str] = []
    for name, data in interfaces_view(shell, args)["interfaces"].items():
        up = data["lineProtocolStatus"]
        admin_down = data["interfaceStatus"] == "disabled"
        state = "administratively down" if admin_down else up
        lines.append(f"{name} is {state}, line protocol is {up} ({data['interfaceStatus']})")
        lines.append(f"  Hardware is {data['hardware'].capitalize()}")
        if data["description"]:
            lines.append(f"  Description: {data['description']}")
        for address in data["interfaceAddress"]:
            primary = address["primaryIp"]
            lines.append(f"  Internet address is {primary['address']}/{primary['maskLen']}")
        lines.append(f"  IP MTU {data['mtu']} bytes, BW {data['bandwidth'] // 1000} kbit")
    return "\n".join(lines) + "\n"


register(
    Command(("show", "hosts", REST), _show_hosts, privileged=False, platforms=_IOS),
    Command(
        ("show", "ip", "interface", "brief"),
        _show_ip_interface_brief,
        privileged=False,
        platforms=_IOS,
    ),
    Command(("show", "interfaces", REST), _show_interfaces, privileged=False, platforms=_EOS),
    Command(("show", "interfaces", REST), _show_ios_interfaces, privileged=False, platforms=_IOS),
)
register_json(("show", "version"), version_view)
register_json(("show", "hostname"), hostname_view)
register_json(("show", "interfaces", REST), interfaces_view)
