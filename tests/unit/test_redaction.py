"""The redactor: every password a host can use, secret keys matched whole, every spelling."""

from __future__ import annotations

import json
import re

from nornir.core import Nornir
from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Group,
    Groups,
    Host,
    Hosts,
    Inventory,
    ParentGroups,
)

from nornir_pack.redaction import Redactor, _secret_values, host_secrets, is_secret_key

BASE = "Base-Pw-7731"
NETMIKO_SECRET = "Netmiko-En-5520"
SCRAPLI_PASSWORD = "Scrapli-Pw-9914"
SCRAPLI_SECRET = "Scrapli-En-3307"
NAPALM_SECRET = "Napalm-En-6642"
GROUP_PASSWORD = "Group-Napalm-Pw-2290"
COMMUNITY = "Comm-Data-4418"
SECRETS = (
    BASE,
    NETMIKO_SECRET,
    SCRAPLI_PASSWORD,
    SCRAPLI_SECRET,
    NAPALM_SECRET,
    GROUP_PASSWORD,
    COMMUNITY,
)


def inventory() -> Inventory:
    defaults = Defaults(
        password=BASE,
        connection_options={
            "netmiko": ConnectionOptions(extras={"secret": NETMIKO_SECRET}),
            "scrapli": ConnectionOptions(
                password=SCRAPLI_PASSWORD, extras={"auth_secondary": SCRAPLI_SECRET}
            ),
        },
        data={"passive_interfaces": ["Loopback0"], "snmp_community": COMMUNITY},
    )
    group = Group(
        "eos",
        connection_options={
            "napalm": ConnectionOptions(
                password=GROUP_PASSWORD,
                extras={"optional_args": {"secret": NAPALM_SECRET, "transport": "http"}},
            )
        },
        defaults=defaults,
    )
    host = Host(
        "sw1",
        hostname="127.0.0.1",
        groups=ParentGroups([group]),
        data={"community_lists": ["65000:100"], "api-key": "Key-Data-8812"},
        defaults=defaults,
    )
    return Inventory(hosts=Hosts({"sw1": host}), groups=Groups({"eos": group}), defaults=defaults)


def test_from_host_takes_every_password_and_secret_the_host_can_use() -> None:
    host = inventory().hosts["sw1"]
    redactor = Redactor.from_host(host)  # napalm's: from the group
    assert set(SECRETS) | {"Key-Data-8812"} <= redactor.values
    text = " ".join(SECRETS)
    assert not [s for s in SECRETS if s in redactor(text)]


def test_a_hosts_secrets_hold_what_every_plugin_resolves_through_nested_groups() -> None:
    defaults = Defaults(
        connection_options={"netmiko": ConnectionOptions(password="Default-Netmiko-1188")}
    )
    core = Group(
        "core",
        password="Core-Pw-4410",
        connection_options={
            "scrapli": ConnectionOptions(extras={"auth_secondary": "Core-En-7720"})
        },
        defaults=defaults,
    )
    edge = Group(
        "edge",
        groups=ParentGroups([core]),
        connection_options={"napalm": ConnectionOptions(password="Edge-Napalm-3390")},
        data={"snmp": {"community": "Edge-Comm-6607"}},
        defaults=defaults,
    )
    host = Host("r1", groups=ParentGroups([edge]), password="Host-Pw-5561", defaults=defaults)
    secrets = set(host_secrets(host))
    for plugin in ("netmiko", "scrapli", "napalm", "nornir_pack_scrapli", None):
        parameters = host.get_connection_parameters(plugin)
        assert parameters.password in secrets, plugin
        assert set(_secret_values(parameters.extras or {})) <= secrets, plugin
    assert {"Core-Pw-4410", "Edge-Comm-6607"} <= secrets  # overridden or in data: kept too


def test_from_nornir_takes_hosts_groups_and_defaults() -> None:
    redactor = Redactor.from_nornir(Nornir(inventory=inventory()))
    assert set(SECRETS) | {"Key-Data-8812"} <= redactor.values


def test_secret_keys_are_matched_whole() -> None:
    for key in ("password", "Password", "secret", "auth_secondary", "api-key", "snmp_community"):
        assert is_secret_key(key), key
    for key in ("passive_interfaces", "community_lists", "password_policy", "secrets_file"):
        assert not is_secret_key(key), key
    host = inventory().hosts["sw1"]
    redactor = Redactor.from_host(host)
    shown = redactor("passive-interface Loopback0; ip community-list 65000:100")
    assert shown == "passive-interface Loopback0; ip community-list 65000:100"


def test_every_spelling_of_a_secret_is_redacted() -> None:
    value = "Pa$s'w.rd-01"
    redactor = Redactor([value])
    for spelling in (value, repr(value)[1:-1], json.dumps(value)[1:-1], re.escape(value)):
        assert redactor(f"before {spelling} after") == "before <redacted> after", spelling


def test_short_values_are_not_secrets_worth_hiding() -> None:
    assert Redactor(["ab", None, 3]).values == frozenset()  # type: ignore[list-item]


def test_a_password_yaml_reads_as_a_number_is_redacted_too() -> None:
    host = Host("r9", password=31415926, defaults=Defaults())  # type: ignore[arg-type]
    assert Redactor.from_host(host)("login with 31415926") == "login with <redacted>"
