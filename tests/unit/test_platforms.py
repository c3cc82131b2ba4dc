"""Platform names: canonical <-> plugin spellings, and the explicit-options-win rule."""

from __future__ import annotations

from typing import Any

import pytest
from hier_config import Platform
from nornir.core.inventory import ConnectionOptions, Defaults, Group, Host, ParentGroups

from nornir_pack.exceptions import UsageError
from nornir_pack.platforms import (
    SUPPORTED_PLATFORMS,
    SUPPORTED_PLUGINS,
    canonical_platform,
    hier_platform,
    host_platform,
    host_plugin_platform,
    plugin_platform,
)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("cisco_ios", "cisco_ios"),
        ("ios", "cisco_ios"),  # NAPALM
        ("cisco_iosxe", "cisco_ios"),  # Scrapli
        ("arista_eos", "arista_eos"),
        ("eos", "arista_eos"),
        ("cisco_xe", "cisco_xe"),
        ("nxos", "cisco_nxos"),
        ("cisco_iosxr", "cisco_xr"),
        (" Cisco_IOS ", "cisco_ios"),
    ],
)
def test_canonical_platform_accepts_every_plugin_spelling(spelling: str, canonical: str) -> None:
    assert canonical_platform(spelling) == canonical


@pytest.mark.parametrize(
    ("platform", "plugin", "expected"),
    [
        ("cisco_ios", "netmiko", "cisco_ios"),
        ("cisco_ios", "napalm", "ios"),
        ("cisco_ios", "scrapli", "cisco_iosxe"),
        ("arista_eos", "netmiko", "arista_eos"),
        ("arista_eos", "napalm", "eos"),
        ("arista_eos", "scrapli", "arista_eos"),
        ("ios", "scrapli", "cisco_iosxe"),  # a NAPALM spelling in, a Scrapli one out
        ("cisco_iosxe", "napalm", "ios"),
        ("cisco_ios", "scrapli_cfg", "cisco_iosxe"),
    ],
)
def test_plugin_platform(platform: str, plugin: str, expected: str) -> None:
    assert plugin_platform(platform, plugin) == expected


@pytest.mark.parametrize("platform", SUPPORTED_PLATFORMS)
@pytest.mark.parametrize("plugin", SUPPORTED_PLUGINS)
def test_every_plugin_name_maps_back_to_the_same_config_dialect(platform: str, plugin: str) -> None:
    assert hier_platform(plugin_platform(platform, plugin)) is hier_platform(platform)


def test_hier_platform() -> None:
    assert hier_platform("cisco_ios") is Platform.CISCO_IOS
    assert hier_platform("ios") is Platform.CISCO_IOS
    assert hier_platform("arista_eos") is Platform.ARISTA_EOS


@pytest.mark.parametrize(
    "call", [canonical_platform, hier_platform, lambda p: plugin_platform(p, "napalm")]
)
def test_unsupported_platform_names_value_and_choices(call: Any) -> None:
    with pytest.raises(UsageError) as caught:
        call("juniper_junos")
    message = str(caught.value)
    assert "'juniper_junos'" in message
    assert "arista_eos, cisco_ios" in message
    assert "\n" not in message


def test_unsupported_plugin_names_value_and_choices() -> None:
    with pytest.raises(
        UsageError,
        match=r"unsupported connection plugin 'paramiko': use one of napalm, netmiko, scrapli",
    ):
        plugin_platform("cisco_ios", "paramiko")


def options(platform: str | None = None) -> ConnectionOptions:
    return ConnectionOptions(platform=platform, extras={"secret": "x"})


def make_host(
    platform: str | None = "cisco_ios",
    own: dict[str, ConnectionOptions] | None = None,
    group: dict[str, ConnectionOptions] | None = None,
    defaults: dict[str, ConnectionOptions] | None = None,
) -> Host:
    defaults_obj = Defaults(connection_options=defaults or {})
    parent = Group("ios", connection_options=group or {}, defaults=defaults_obj)
    return Host(
        "r1",
        platform=platform,
        groups=ParentGroups([parent]),
        connection_options=own or {},
        defaults=defaults_obj,
    )


def test_host_without_plugin_options_uses_the_map() -> None:
    host = make_host()
    assert host_plugin_platform(host, "napalm") == "ios"
    assert host_plugin_platform(host, "scrapli") == "cisco_iosxe"


def test_options_without_a_platform_do_not_count_as_explicit() -> None:
    # The lab's defaults set napalm extras but no platform; Nornir then reports host.platform.
    host = make_host(defaults={"napalm": options()})
    assert host.get_connection_parameters("napalm").platform == "cisco_ios"
    assert host_plugin_platform(host, "napalm") == "ios"


@pytest.mark.parametrize("level", ["own", "group", "defaults"])
def test_explicit_platform_in_connection_options_wins(level: str) -> None:
    host = make_host(**{level: {"napalm": options("ios_custom")}})
    assert host_plugin_platform(host, "napalm") == "ios_custom"
    assert host_plugin_platform(host, "netmiko") == "cisco_ios"  # other plugins unaffected


def test_host_options_beat_group_options_beat_defaults() -> None:
    host = make_host(
        own={"napalm": options("from_host")},
        group={"napalm": options("from_group")},
        defaults={"napalm": options("from_defaults")},
    )
    assert host_plugin_platform(host, "napalm") == "from_host"
    host = make_host(group={"napalm": options("from_group")}, defaults={"napalm": options("d")})
    assert host_plugin_platform(host, "napalm") == "from_group"


def test_host_without_platform_is_a_usage_error_naming_the_host() -> None:
    host = make_host(platform=None)
    with pytest.raises(UsageError, match=r"^host r1: no platform set: set platform to one of "):
        host_plugin_platform(host, "napalm")
    with pytest.raises(UsageError, match=r"^host r1: no platform set"):
        host_platform(host)


def test_host_with_unsupported_platform_names_host_and_value() -> None:
    host = make_host(platform="junos")
    with pytest.raises(UsageError, match=r"^host r1: unsupported platform 'junos': "):
        host_plugin_platform(host, "scrapli")
    assert host_platform(make_host(platform="eos")) == "arista_eos"
