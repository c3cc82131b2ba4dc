"""Health as data: judging a snapshot, comparing before and after, settings and credentials."""

from __future__ import annotations

import doctest
import importlib
import json
from typing import Any

import pytest
from nornir.core.configuration import Config
from nornir.core.inventory import Defaults, Group, Host, ParentGroups

from nornir_pack.exceptions import UsageError
from nornir_pack.health import (
    CHECK_FAILED,
    CHECK_OK,
    CHECK_SKIPPED,
    HealthSettings,
    InterfaceState,
    Snapshot,
    compare,
    evaluate,
    host_settings,
    parse_credentials,
    snmp_target,
)
from nornir_pack.health.model import UPTIME_WRAP
from nornir_pack.health.settings import SnmpV2c, SnmpV3, parse_settings
from nornir_pack.redaction import Redactor, host_secrets, is_secret_key

UP = InterfaceState("Ethernet1", True, True)
UP2 = InterfaceState("Ethernet2", True, True)
SHUT = InterfaceState("Ethernet3", False, False)
AUTH_KEY, PRIV_KEY, COMMUNITY = "Auth-Key-5521", "Priv-Key-8810", "Comm-Health-3301"


def snap(**changes: Any) -> Snapshot:
    values: dict[str, Any] = {
        "host": "sw1",
        "source": "snmp",
        "taken_at": 1000.0,
        "uptime": 3600.0,
        "interfaces": (UP, UP2, SHUT),
        "cpu": 5.0,
        "memory": 40.0,
    }
    values.update(changes)
    return Snapshot(**values)


def statuses(report: Any) -> dict[str, str]:
    return {check.name: check.status for check in report.checks}


# ------------------------------------------------------------------ evaluate
def test_a_quiet_device_is_healthy_and_says_why() -> None:
    report = evaluate(snap())
    assert report.healthy
    assert statuses(report) == dict.fromkeys(("uptime", "interfaces", "cpu", "memory"), CHECK_OK)
    messages = {c.name: c.message for c in report.checks}
    assert messages["interfaces"] == "2 up, 1 shut down, none down unexpectedly"
    assert messages["cpu"] == "5% (threshold 80%)"
    assert messages["uptime"] == "up 1 h 0 min"
    assert report.summary() == "healthy"


def test_cpu_above_the_default_threshold_fails_with_the_numbers() -> None:
    report = evaluate(snap(cpu=97.0))
    assert not report.healthy
    assert statuses(report)["cpu"] == CHECK_FAILED
    assert report.summary() == "unhealthy: cpu: 97% is above the 80% threshold"
    assert evaluate(snap(cpu=80.0)).healthy  # at the threshold is within it
    assert not evaluate(snap(cpu=80.5)).healthy


def test_thresholds_come_from_the_settings() -> None:
    assert evaluate(snap(cpu=97.0), HealthSettings(cpu=98)).healthy
    report = evaluate(snap(memory=75.0), HealthSettings(memory=70))
    assert report.summary() == "unhealthy: memory: 75% is above the 70% threshold"


def test_an_interface_configured_up_but_down_fails_and_a_shut_one_does_not() -> None:
    down = InterfaceState("Ethernet2", True, False)
    report = evaluate(snap(interfaces=(UP, down, SHUT)))
    assert statuses(report)["interfaces"] == CHECK_FAILED
    assert report.summary() == "unhealthy: interfaces: Ethernet2 configured up but down"
    ignored = evaluate(
        snap(interfaces=(UP, down)), HealthSettings(ignore_interfaces=("ethernet2",))
    )
    assert ignored.healthy


def test_what_the_source_cannot_tell_is_skipped_not_failed() -> None:
    report = evaluate(snap(source="napalm", cpu=None, memory=None, uptime=None, interfaces=()))
    assert report.healthy
    assert set(statuses(report).values()) == {CHECK_SKIPPED}
    assert {c.message for c in report.checks} == {
        "napalm: not reported",
        "napalm: none reported",
    }


def test_many_down_interfaces_are_named_up_to_five() -> None:
    down = tuple(InterfaceState(f"Ethernet{n}", True, False) for n in range(1, 9))
    check = evaluate(snap(interfaces=down)).failed_checks[0]
    assert check.message == (
        "Ethernet1, Ethernet2, Ethernet3, Ethernet4, Ethernet5 and 3 more configured up but down"
    )


# ------------------------------------------------------------------ compare
def test_a_change_that_hurt_nothing_passes() -> None:
    after = snap(taken_at=1060.0, uptime=3660.0, cpu=9.0)
    report = compare(snap(), after)
    assert report.healthy, report.summary()
    assert report.before == snap() and report.snapshot == after
    assert {c.name: c.message for c in report.checks}["interfaces"] == (
        "the 2 up before the change are still up"
    )


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (InterfaceState("Ethernet2", False, False), "is now shut down"),
        (InterfaceState("Ethernet2", True, False), "is now down"),
        (None, "is now gone"),
    ],
)
def test_an_interface_that_was_up_and_is_not_fails(
    state: InterfaceState | None, reason: str
) -> None:
    interfaces = (UP, SHUT) if state is None else (UP, state, SHUT)
    report = compare(snap(), snap(taken_at=1060.0, uptime=3660.0, interfaces=interfaces))
    assert statuses(report)["interfaces"] == CHECK_FAILED
    assert report.summary() == (
        f"unhealthy: interfaces: Ethernet2 was up before the change and {reason}"
    )


def test_an_interface_already_down_before_is_not_the_change_s_fault() -> None:
    down = InterfaceState("Ethernet2", True, False)
    before = snap(interfaces=(UP, down))
    assert compare(before, snap(taken_at=1060.0, uptime=3660.0, interfaces=(UP, down))).healthy


def test_an_uptime_that_went_back_is_a_restart() -> None:
    report = compare(snap(), snap(taken_at=1060.0, uptime=12.0))
    assert statuses(report)["uptime"] == CHECK_FAILED
    assert report.summary() == (
        "unhealthy: uptime: reset from 1 h 0 min to 12 s: the device restarted"
    )


def test_sysuptime_wrapping_after_497_days_is_not_a_restart() -> None:
    before = snap(uptime=UPTIME_WRAP - 30)
    assert compare(before, snap(taken_at=1060.0, uptime=30.0)).healthy
    napalm = snap(source="napalm", uptime=UPTIME_WRAP - 30)  # NAPALM's uptime does not wrap
    assert not compare(napalm, snap(source="napalm", taken_at=1060.0, uptime=30.0)).healthy


def test_cpu_after_the_change_is_held_to_the_threshold() -> None:
    report = compare(snap(), snap(taken_at=1060.0, uptime=3660.0, cpu=91.0), HealthSettings(cpu=90))
    assert report.summary() == "unhealthy: cpu: 91% is above the 90% threshold"


def test_a_snapshot_survives_its_dict_form() -> None:
    original = snap(name="sw1", description="Arista")
    assert Snapshot.from_dict(json.loads(json.dumps(original.to_dict()))) == original
    document = compare(original, original).to_dict()
    assert document["healthy"] is True and document["before"] == original.to_dict()
    assert [c["name"] for c in document["checks"]] == ["uptime", "interfaces", "cpu", "memory"]


# ------------------------------------------------------------------ credentials
def test_v2c_and_v3_credentials_and_their_defaults() -> None:
    assert parse_credentials({"community": COMMUNITY}) == SnmpV2c(COMMUNITY)
    v3 = parse_credentials({"user": "ops", "auth_key": AUTH_KEY, "priv_key": PRIV_KEY})
    assert v3 == SnmpV3("ops", AUTH_KEY, PRIV_KEY, "sha", "aes")
    assert isinstance(v3, SnmpV3) and v3.level == "authPriv"
    spelled = parse_credentials(
        {
            "user": "ops",
            "auth_key": AUTH_KEY,
            "priv_key": PRIV_KEY,
            "auth_protocol": "SHA256",
            "priv_protocol": "AES_256",
        }
    )
    assert isinstance(spelled, SnmpV3)
    assert (spelled.auth_protocol, spelled.priv_protocol) == ("sha256", "aes256")
    auth_only = parse_credentials({"user": "ops", "auth_key": AUTH_KEY})
    assert isinstance(auth_only, SnmpV3) and auth_only.level == "authNoPriv"
    assert COMMUNITY not in repr(parse_credentials({"community": COMMUNITY}))
    assert AUTH_KEY not in repr(v3) and PRIV_KEY not in repr(v3)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("public", "snmp must be a mapping: {community: X} for v2c"),
        ({}, "snmp must be a mapping"),
        ({"community": COMMUNITY, "user": "ops"}, "has both community (v2c) and user (v3)"),
        ({"communty": COMMUNITY}, "snmp.communty is not a setting: use auth_key, auth_protocol"),
        ({"community": ""}, "snmp.community is missing: set it"),
        ({"auth_key": AUTH_KEY}, "snmp.user is missing"),
        (
            {"user": "ops", "auth_key": AUTH_KEY, "auth_protocol": "sha3"},
            "snmp.auth_protocol is 'sha3': use one of md5, sha, sha224",
        ),
        (
            {"user": "ops", "auth_key": AUTH_KEY, "priv_key": PRIV_KEY, "priv_protocol": "rc4"},
            "snmp.priv_protocol is 'rc4': use one of des, 3des, aes",
        ),
        ({"user": "ops", "auth_key": "k3y!"}, "snmp.auth_key is shorter than 8 characters"),
        ({"user": "ops", "priv_key": PRIV_KEY}, "has priv_key but no auth_key"),
        ({"user": "ops", "auth_key": ["a", "b"]}, "snmp.auth_key must be text"),
    ],
)
def test_a_malformed_snmp_block_is_named_without_its_secrets(block: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_credentials(block)
    text = str(caught.value)
    assert message in text
    for secret in (AUTH_KEY, PRIV_KEY, COMMUNITY, "k3y!"):
        assert secret not in text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([80], "health must be a mapping"),
        ({"cpu": 120}, "health.cpu is 120: use a percentage above 0 and up to 100"),
        ({"cpu": "high"}, "health.cpu is 'high'"),
        ({"memory": 0}, "health.memory is 0"),
        ({"cpu": True}, "health.cpu is True"),
        ({"timeout": 0}, "health.timeout is 0: use seconds above 0 and up to 60"),
        ({"retries": 1.5}, "health.retries is 1.5: use a whole number from 0 to 10"),
        ({"ignore_interfaces": "Ethernet4"}, "use a list of interface names"),
        ({"cpu_max": 80}, "health.cpu_max is not a setting: use cpu, memory"),
    ],
)
def test_bad_thresholds_are_refused_with_the_fix(value: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_settings(value)
    assert message in str(caught.value)


# ------------------------------------------------------------------ from the inventory
def inventory_host(**host_data: Any) -> Host:
    defaults = Defaults(data={"health": {"cpu": 70, "memory": 60}})
    group = Group("eos", data={"health": {"cpu": 85}}, defaults=defaults)
    return Host(
        "sw1",
        hostname="192.0.2.7",
        groups=ParentGroups([group]),
        data=host_data,
        defaults=defaults,
    )


def test_thresholds_layer_config_defaults_groups_then_the_host() -> None:
    config = Config(user_defined={"nornir_pack": {"health": {"cpu": 50, "timeout": 0.5}}})
    settings = host_settings(inventory_host(health={"memory": 95}), config)
    assert settings == HealthSettings(cpu=85, memory=95, timeout=0.5)
    assert host_settings(Host("bare"), Config()) == HealthSettings()


def test_a_bad_threshold_in_data_names_where_it_is() -> None:
    with pytest.raises(UsageError, match=r"^host 'sw1' data health\.cpu is 'x'"):
        host_settings(inventory_host(health={"cpu": "x"}), Config())


def test_the_snmp_target_is_the_hostname_at_snmp_port() -> None:
    host = inventory_host(snmp_port=16101, snmp={"community": COMMUNITY})
    target = snmp_target(host)
    assert (target.host, target.address, target.port) == ("sw1", "192.0.2.7", 16101)
    assert target.credentials == SnmpV2c(COMMUNITY)
    assert COMMUNITY not in repr(target)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"snmp": {"community": COMMUNITY}}, "has data snmp but no snmp_port: set snmp_port"),
        ({"snmp_port": 16101}, "has data snmp_port but no snmp credentials"),
        ({"snmp_port": "16101", "snmp": {"community": COMMUNITY}}, "snmp_port is '16101'"),
        ({"snmp_port": 16101, "snmp": {"community": 5}}, None),  # a number is text enough
    ],
)
def test_half_an_snmp_setup_is_refused(data: dict[str, Any], message: str | None) -> None:
    host = inventory_host(**data)
    if message is None:
        assert snmp_target(host).credentials == SnmpV2c("5")
        return
    with pytest.raises(UsageError) as caught:
        snmp_target(host)
    assert str(caught.value).startswith("host 'sw1'")
    assert message in str(caught.value)


def test_snmp_keys_are_secrets_to_the_redactor() -> None:
    assert is_secret_key("auth_key") and is_secret_key("priv-key") and is_secret_key("community")
    assert not is_secret_key("user")
    host = inventory_host(snmp={"user": "ops", "auth_key": AUTH_KEY, "priv_key": PRIV_KEY})
    secrets = host_secrets(host)
    assert AUTH_KEY in secrets and PRIV_KEY in secrets and "ops" not in secrets
    assert Redactor(secrets)(f"key {AUTH_KEY}/{PRIV_KEY}") == "key <redacted>/<redacted>"


# ------------------------------------------------------------------ reading SNMP tables
def test_snmp_tables_become_interfaces_cpu_and_memory() -> None:
    from pysnmp.proto import rfc1902

    from nornir_pack.health import snmp

    rows: dict[Any, dict[Any, Any]] = {
        snmp.IF_DESCR: {
            (1,): rfc1902.OctetString("GigabitEthernet1"),
            (2,): rfc1902.OctetString(""),
        },
        snmp.IF_NAME: {(1,): rfc1902.OctetString("Gi1"), (2,): rfc1902.OctetString("Gi2")},
        snmp.IF_ADMIN: {(1,): rfc1902.Integer32(1), (2,): rfc1902.Integer32(1)},
        snmp.IF_OPER: {(1,): rfc1902.Integer32(1), (2,): rfc1902.Integer32(7)},  # lowerLayerDown
    }
    assert snmp.interface_states(rows) == (
        InterfaceState("GigabitEthernet1", True, True),
        InterfaceState("Gi2", True, False),  # ifName when ifDescr is empty
    )
    assert snmp.cpu_percent({snmp.CPM_CPU_5MIN: {(1,): rfc1902.Gauge32(12)}}) == 12.0
    loads = {snmp.HR_PROCESSOR_LOAD: {(1,): rfc1902.Integer32(20), (2,): rfc1902.Integer32(95)}}
    assert snmp.cpu_percent(loads) == 95.0  # the busiest processor
    assert snmp.cpu_percent({}) is None
    pools = {
        snmp.CISCO_POOL_USED: {(1,): rfc1902.Gauge32(300), (2,): rfc1902.Gauge32(100)},
        snmp.CISCO_POOL_FREE: {(1,): rfc1902.Gauge32(500), (2,): rfc1902.Gauge32(100)},
    }
    assert snmp.memory_percent(pools) == 40.0
    storage = {
        snmp.HR_STORAGE_TYPE: {
            (1,): rfc1902.ObjectIdentifier(snmp.HR_STORAGE_RAM),
            (2,): rfc1902.ObjectIdentifier((1, 3, 6, 1, 2, 1, 25, 2, 1, 4)),  # a disk
        },
        snmp.HR_STORAGE_SIZE: {(1,): rfc1902.Integer32(1000), (2,): rfc1902.Integer32(9000)},
        snmp.HR_STORAGE_USED: {(1,): rfc1902.Integer32(250), (2,): rfc1902.Integer32(9000)},
    }
    assert snmp.memory_percent(storage) == 25.0
    assert snmp.memory_percent({}) is None


def test_every_protocol_a_person_may_name_has_a_pysnmp_one() -> None:
    from nornir_pack.health import settings, snmp

    assert set(snmp.AUTH) == set(settings.AUTH_PROTOCOLS)
    assert set(snmp.PRIV) == set(settings.PRIV_PROTOCOLS)
    auth = snmp._auth(SnmpV3("ops", AUTH_KEY, PRIV_KEY, "sha256", "aes256"))
    assert auth.authentication_protocol == snmp.AUTH["sha256"]
    assert auth.privacy_protocol == snmp.PRIV["aes256"]
    assert snmp._auth(SnmpV3("ops", AUTH_KEY)).privacy_protocol == snmp.usm.USM_PRIV_NONE


@pytest.mark.parametrize("module", ["health.model", "health.settings"])
def test_the_modules_doctests(module: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(f"nornir_pack.{module}"))
    assert tried > 0 and failures == 0
