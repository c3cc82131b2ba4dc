"""Canonical platform names and what each connection plugin and hier_config call them.

An inventory names a platform once, in netutils' normalised spelling (``cisco_ios``,
``arista_eos``); every plugin gets its own name from ``netutils.lib_mapper`` so that the same
host works whichever plugin a run picks. Spellings of NAPALM (``ios``) or Scrapli
(``cisco_iosxe``) are accepted too and normalised. A platform set explicitly in a host's
``connection_options`` for a plugin is the user's word and wins over the mapping.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from netutils.lib_mapper import NAME_TO_LIB_MAPPER, NAME_TO_LIB_MAPPER_REVERSE
from nornir.core.inventory import ConnectionOptions

from .exceptions import UsageError

if TYPE_CHECKING:
    from hier_config import Platform
    from nornir.core.inventory import Defaults, Host

# Canonical (netutils-normalised) platform -> hier_config platform (its Platform member's
# name: hier_config is imported when a config is parsed, not by every run). A row here is what
# makes a platform supported; the plugin names come from netutils.
HIER_PLATFORMS: MappingProxyType[str, str] = MappingProxyType(
    {
        "arista_eos": "ARISTA_EOS",
        "cisco_ios": "CISCO_IOS",
        "cisco_nxos": "CISCO_NXOS",
        "cisco_xe": "CISCO_IOS",
        "cisco_xr": "CISCO_XR",
    }
)
SUPPORTED_PLATFORMS: tuple[str, ...] = tuple(sorted(HIER_PLATFORMS))

# Nornir connection plugin -> the netutils.lib_mapper table that names its platforms.
PLUGIN_MAPPERS: MappingProxyType[str, str] = MappingProxyType(
    {
        "napalm": "napalm",
        "netmiko": "netmiko",
        "scrapli": "scrapli",
        "scrapli_cfg": "scrapli",
    }
)
SUPPORTED_PLUGINS: tuple[str, ...] = tuple(sorted(PLUGIN_MAPPERS))


def _aliases() -> dict[str, str]:
    """Every plugin's spelling of a supported platform -> the canonical name."""
    aliases: dict[str, str] = {}
    for mapper in sorted(set(PLUGIN_MAPPERS.values())):
        for spelling, canonical in NAME_TO_LIB_MAPPER[mapper].items():
            if canonical in HIER_PLATFORMS:
                aliases.setdefault(spelling, canonical)
    aliases.update({name: name for name in HIER_PLATFORMS})  # canonical names win
    return aliases


_ALIASES: MappingProxyType[str, str] = MappingProxyType(_aliases())


def _unsupported_platform(name: object) -> UsageError:
    return UsageError(
        f"unsupported platform {name!r}: set platform to one of "
        f"{', '.join(SUPPORTED_PLATFORMS)} (NAPALM/Scrapli spellings such as ios, eos, "
        "cisco_iosxe are accepted too)"
    )


def canonical_platform(name: str) -> str:
    """The netutils-normalised name of a platform given in any plugin's spelling."""
    canonical = _ALIASES.get(name.strip().lower()) if isinstance(name, str) else None
    if canonical is None:
        raise _unsupported_platform(name)
    return canonical


def plugin_platform(platform: str, plugin: str) -> str:
    """The platform name that connection plugin ``plugin`` expects for ``platform``."""
    mapper = PLUGIN_MAPPERS.get(plugin)
    if mapper is None:
        raise UsageError(
            f"unsupported connection plugin {plugin!r}: use one of {', '.join(SUPPORTED_PLUGINS)}"
        )
    canonical = canonical_platform(platform)
    name = NAME_TO_LIB_MAPPER_REVERSE[mapper].get(canonical)
    if name is None:
        raise UsageError(
            f"platform {canonical!r} has no {plugin} driver: pick another plugin for these hosts"
        )
    return name


def hier_platform(platform: str) -> Platform:
    """The hier_config platform that parses and remediates configs of ``platform``."""
    from hier_config import Platform  # noqa: PLC0415 (hier_config: 0.15 s, for parsing only)

    return Platform[HIER_PLATFORMS[canonical_platform(platform)]]


def explicit_plugin_platform(host: Host, plugin: str) -> str | None:
    """The platform the host's own, group or default connection_options set for ``plugin``.

    Nornir's ``get_connection_parameters`` falls back to ``host.platform`` when no options
    set one, so it cannot tell an explicit choice from the generic name; this walks the same
    order (host, groups depth-first, defaults) and only reports what was written.
    """
    elements: list[Host | Defaults] = [host, *host.extended_groups(), host.defaults]
    for element in elements:
        options = element.connection_options.get(plugin)
        if options is not None and options.platform is not None:
            return options.platform
    return None


def host_plugin_platform(host: Host, plugin: str) -> str:
    """The platform to open ``plugin`` with on ``host``: explicit options win, else the map."""
    explicit = explicit_plugin_platform(host, plugin)
    if explicit is not None:
        return explicit
    if not host.platform:
        raise UsageError(
            f"host {host.name}: no platform set: set platform to one of "
            f"{', '.join(SUPPORTED_PLATFORMS)} on the host or its group"
        )
    try:
        return plugin_platform(host.platform, plugin)
    except UsageError as exc:
        raise UsageError(f"host {host.name}: {exc}") from None


def host_platform(host: Host) -> str:
    """The host's canonical platform (for hier_config, templates and compliance rules)."""
    if not host.platform:
        raise UsageError(
            f"host {host.name}: no platform set: set platform to one of "
            f"{', '.join(SUPPORTED_PLATFORMS)} on the host or its group"
        )
    try:
        return canonical_platform(host.platform)
    except UsageError as exc:
        raise UsageError(f"host {host.name}: {exc}") from None


# Connection plugins whose Nornir task packages (nornir_netmiko, nornir_scrapli, nornir_napalm)
# a team may call directly: each gets the host's platform in its own spelling.
NORNIR_TASK_PLUGINS: tuple[str, ...] = ("napalm", "netmiko", "scrapli")


def map_plugin_platforms(host: Host) -> None:
    """Write into the host's own connection options the platform name each of netmiko, scrapli
    and NAPALM expects (``cisco_iosxe`` for scrapli, ``ios`` for NAPALM where the inventory
    says ``cisco_ios``).

    Nornir hands ``host.platform`` unchanged to every connection plugin, so without this a
    team's own ``nornir_scrapli`` or ``nornir_napalm`` task fails on a ``cisco_ios`` host. A
    platform the inventory sets for a plugin is kept; a platform nornir-pack does not know is
    left alone (pre-flight names it before any login).
    """
    if not host.platform:
        return
    try:
        canonical = canonical_platform(host.platform)
    except UsageError:
        return
    for plugin in NORNIR_TASK_PLUGINS:
        if explicit_plugin_platform(host, plugin) is not None:
            continue
        try:
            name = plugin_platform(canonical, plugin)
        except UsageError:
            continue
        options = host.connection_options.get(plugin)
        if options is None:
            host.connection_options[plugin] = ConnectionOptions(platform=name)
        else:
            options.platform = name
