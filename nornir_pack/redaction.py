"""Hiding the inventory's actual secret values in any text a run produces.

Config secrets are sanitised by pattern in ``diff.sanitize``; this is the other half: the
values of passwords and enable secrets themselves, wherever a device message, a diff or a
result happens to repeat them. Backends and reports share it, so both hide the same values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .diff import REDACTED

if TYPE_CHECKING:
    from nornir.core import Nornir
    from nornir.core.inventory import Host

# Inventory keys whose values are secrets, wherever they appear (extras, optional_args, data).
SECRET_KEYS = re.compile(r"pass(word)?|secret|auth_secondary|community|token|api_?key", re.I)
MIN_SECRET_LENGTH = 3  # shorter values would redact ordinary words


class Redactor:
    """Replaces known secret values in any text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH}
        # longest first, so a secret that contains another is replaced whole
        ordered = sorted(values, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def from_nornir(cls, nr: Nornir) -> Redactor:
        """Every password and secret of the inventory: hosts, groups and defaults."""
        inventory = nr.inventory
        elements: list[Any] = [*inventory.hosts.values(), *inventory.groups.values()]
        elements.append(inventory.defaults)
        secrets: list[str] = []
        for element in elements:
            secrets.append(object.__getattribute__(element, "password") or "")
            for options in element.connection_options.values():
                secrets.append(object.__getattribute__(options, "password") or "")
                secrets.extend(_secret_values(options.extras or {}))
            secrets.extend(_secret_values(element.data or {}))
        return cls(secrets)

    @classmethod
    def from_host(cls, host: Host, plugins: Iterable[str]) -> Redactor:
        """One host's password and enable secrets, as its connection options resolve them."""
        secrets = [host.password or ""]
        for plugin in plugins:
            extras = host.get_connection_parameters(plugin).extras or {}
            optional = extras.get("optional_args") or {}
            secrets += [str(extras.get("secret") or ""), str(extras.get("auth_secondary") or "")]
            secrets.append(str(optional.get("secret") or ""))
        return cls(secrets)

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(REDACTED, text)


def _secret_values(data: Mapping[str, Any], secret: bool = False) -> list[str]:
    found: list[str] = []
    for key, value in data.items():
        is_secret = secret or bool(SECRET_KEYS.search(str(key)))
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
