"""Hiding the inventory's actual secret values in any text a run produces.

Config secrets are sanitised by pattern in ``diff.sanitize``; this is the other half: the
values of passwords and enable secrets themselves, wherever a device message, a diff, a
result or a log record happens to repeat them. Backends, reports and the logging guard
(``logguard``) share it, so all of them hide the same values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .diff import REDACTED

if TYPE_CHECKING:
    from nornir.core import Nornir
    from nornir.core.inventory import Host

# Inventory keys whose values are secrets, wherever they appear (extras, optional_args, data),
# matched whole (case and ``-``/``_`` aside): a pattern would also hide data such as
# ``passive_interfaces`` or ``community_lists`` everywhere.
SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "enable_password",
        "enable_secret",
        "auth_secondary",
        "auth_password",
        "auth_private_key_passphrase",
        "passphrase",
        "community",
        "snmp_community",
        "auth_key",  # SNMPv3 pass phrases in host data snmp
        "priv_key",
        "token",
        "api_token",
        "access_token",
        "api_key",
        "apikey",
    }
)
MIN_SECRET_LENGTH = 3  # shorter values would redact ordinary words


def is_secret_key(key: object) -> bool:
    """Whether an inventory key holds a secret: one of SECRET_KEYS, matched whole."""
    return str(key).lower().replace("-", "_") in SECRET_KEYS


def spellings(value: str) -> set[str]:
    """``value`` as logs and messages may quote it: itself, repr- and JSON-escaped, and
    regex-escaped (netmiko logs the pattern it waits for)."""
    return {value, repr(value)[1:-1], json.dumps(value)[1:-1], re.escape(value)}


class Redactor:
    """Replaces known secret values in any text, with one compiled pattern."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.values = frozenset(
            s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH
        )
        forms = {form for value in self.values for form in spellings(value)}
        # longest first, so a secret that contains another is replaced whole
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def from_nornir(cls, nr: Nornir) -> Redactor:
        """Every password and secret of the inventory: hosts, groups and defaults."""
        return cls(inventory_secrets(nr))

    @classmethod
    def from_host(cls, host: Host) -> Redactor:
        """Every password and secret the host can use (``host_secrets``)."""
        return cls(host_secrets(host))

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(REDACTED, text)


def inventory_secrets(nr: Nornir) -> list[str]:
    """Every password and secret of the inventory: hosts, groups and defaults."""
    inventory = nr.inventory
    return _own_secrets([*inventory.hosts.values(), *inventory.groups.values(), inventory.defaults])


def host_secrets(host: Host) -> list[str]:
    """Every password and secret the host can use, whichever plugin connects: those of the
    host, its groups and the defaults, each as it is set there (the base password, each
    plugin's password, secrets in extras: netmiko ``secret``, scrapli ``auth_secondary``,
    NAPALM ``optional_args.secret``; secrets in data). A value the host inherits is among
    them; one a nearer element overrides is too, and is redacted as well. Read this way
    rather than as each plugin resolves them: a third of the time, at the start of every
    task on every host."""
    return _own_secrets([host, *host.extended_groups(), host.defaults])


def _own_secrets(elements: Iterable[Any]) -> list[str]:
    secrets: list[str] = []
    for element in elements:
        secrets.append(_text(object.__getattribute__(element, "password")))
        for options in element.connection_options.values():
            secrets.append(_text(object.__getattribute__(options, "password")))
            secrets.extend(_secret_values(options.extras or {}))
        secrets.extend(_secret_values(element.data or {}))
    return secrets


def _text(value: object) -> str:
    """A password as text: YAML reads ``password: 1234`` as a number."""
    return "" if value is None else str(value)


def _secret_values(data: Mapping[str, Any], secret: bool = False) -> list[str]:
    found: list[str] = []
    for key, value in data.items():
        is_secret = secret or is_secret_key(key)
        if isinstance(value, Mapping):
            found.extend(_secret_values(value, is_secret))
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Mapping):
                    found.extend(_secret_values(item, is_secret))
                elif is_secret and item is not None:
                    found.append(str(item))
        elif is_secret and value is not None:
            found.append(str(value))
    return found
