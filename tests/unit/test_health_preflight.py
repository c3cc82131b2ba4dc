"""The health runbook's input from files: ``${VAR}`` in ``snmp``, and each bad value refused with
its file, element and key before anything is polled (no device here: nothing could answer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nornir_pack.exceptions import UsageError
from nornir_pack.health import snmp_target
from nornir_pack.health.settings import SnmpV3
from nornir_pack.inventory import load_nornir
from nornir_pack.preflight import check_health
from nornir_pack.redaction import Redactor

AUTH_KEY, PRIV_KEY = "Env-Auth-Key-4410", "Env-Priv-Key-9921"


def project(
    folder: Path,
    hosts: dict[str, Any],
    groups: dict[str, Any] | None = None,
    defaults: dict[str, Any] | None = None,
    health: Any = None,
) -> Path:
    inventory = folder / "inventory"
    inventory.mkdir()
    files = {"hosts": hosts, "groups": groups or {}, "defaults": defaults or {}}
    for name, content in files.items():
        (inventory / f"{name}.yaml").write_text(yaml.safe_dump(content))
    config: dict[str, Any] = {
        "inventory": {
            "plugin": "SimpleInventory",
            "options": {
                "host_file": "inventory/hosts.yaml",
                "group_file": "inventory/groups.yaml",
                "defaults_file": "inventory/defaults.yaml",
            },
        },
        "logging": {"enabled": False},
        "runner": {"plugin": "threaded"},
    }
    if health is not None:
        config["user_defined"] = {"nornir_pack": {"health": health}}
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder / "config.yaml"


def host(**data: Any) -> dict[str, Any]:
    return {"hostname": "127.0.0.1", "platform": "arista_eos", "groups": ["eos"], "data": data}


def test_v3_keys_come_from_the_environment_and_are_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNMP_AUTH", AUTH_KEY)
    monkeypatch.setenv("SNMP_PRIV", PRIV_KEY)
    snmp = {"user": "ops", "auth_key": "${SNMP_AUTH}", "priv_key": "${SNMP_PRIV}"}
    config = project(tmp_path, {"sw1": host(snmp_port=16201)}, {"eos": {"data": {"snmp": snmp}}})
    nr = load_nornir(config)
    check_health(nr, config)
    target = snmp_target(nr.inventory.hosts["sw1"])
    assert target.credentials == SnmpV3("ops", AUTH_KEY, PRIV_KEY)
    assert Redactor.from_nornir(nr)(f"{AUTH_KEY} {PRIV_KEY}") == "<redacted> <redacted>"


def test_an_unset_variable_in_snmp_is_a_usage_error(tmp_path: Path) -> None:
    snmp = {"community": "${NO_SUCH_SNMP_VAR_X}"}
    config = project(tmp_path, {"sw1": host(snmp_port=161, snmp=snmp)}, {"eos": {}})
    with pytest.raises(UsageError, match="environment variable NO_SUCH_SNMP_VAR_X is not set"):
        load_nornir(config)


@pytest.mark.parametrize(
    ("hosts", "groups", "health", "message"),
    [
        (
            {"sw1": host(snmp={"community": "public"})},
            None,
            None,
            "inventory/hosts.yaml: host 'sw1' has data snmp but no snmp_port: set snmp_port",
        ),
        (
            {"sw1": host(snmp_port=161)},
            None,
            None,
            "inventory/hosts.yaml: host 'sw1' has data snmp_port but no snmp credentials",
        ),
        (
            {"sw1": host(snmp_port=161)},
            {"eos": {"data": {"snmp": {"user": "ops", "auth_key": "x" * 9, "auth_protocol": "x"}}}},
            None,
            "inventory/groups.yaml: group 'eos' data snmp.auth_protocol is 'x': use one of",
        ),
        (
            {"sw1": host(snmp_port=161, snmp="public")},
            None,
            None,
            "inventory/hosts.yaml: host 'sw1' data snmp must be a mapping",
        ),
        (
            {"sw1": host(snmp_port=0, snmp={"community": "public"})},
            None,
            None,
            "inventory/hosts.yaml: host 'sw1' data snmp_port is 0: use a port number",
        ),
        (
            {"sw1": host(health={"cpu": 180})},
            None,
            None,
            "inventory/hosts.yaml: host 'sw1' data health.cpu is 180: use a percentage",
        ),
        (
            {"sw1": host()},
            None,
            {"cpu": "eighty"},
            "config.yaml: user_defined.nornir_pack.health.cpu is 'eighty': use a percentage",
        ),
        (
            {
                "sw1": host(snmp_port=161, snmp={"community": "public"}),
                "sw2": host(snmp_port=161, snmp={"community": "public"}),
            },
            None,
            None,
            "inventory/hosts.yaml: hosts 'sw1' and 'sw2' both poll SNMP at 127.0.0.1:161",
        ),
    ],
)
def test_bad_health_input_names_file_element_key_and_fix(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    hosts: dict[str, Any],
    groups: dict[str, Any] | None,
    health: Any,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    config = project(tmp_path, hosts, groups={"eos": {}, **(groups or {})}, health=health)
    nr = load_nornir(config)
    with pytest.raises(UsageError) as caught:
        check_health(nr, Path("config.yaml"))
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)


def test_hosts_without_snmp_pass_for_napalm(tmp_path: Path) -> None:
    config = project(tmp_path, {"sw1": host(), "sw2": host(health={"cpu": 95})}, {"eos": {}})
    check_health(load_nornir(config), config)
