"""Connection plugins registered as stand-ins (nornir_pack.plugins): imported on first use,
and no conflict with Nornir's own registration in the same process."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir_pack.plugins import register_connection_plugins

register_connection_plugins()
assert "napalm" in ConnectionPluginRegister.available
assert "nornir_napalm" not in sys.modules  # registered, not imported
plugin = ConnectionPluginRegister.get_plugin("napalm")()
from nornir_napalm.plugins.connections import Napalm
assert type(plugin) is Napalm  # building it imports and builds the real plugin
ConnectionPluginRegister.auto_register()  # what InitNornir does: no PluginAlreadyRegistered
assert ConnectionPluginRegister.get_plugin("napalm") == Napalm
print("ok")
"""


def test_a_plugin_is_imported_when_first_built_and_nornir_can_still_register_it() -> None:
    # a process of its own: this one has imported NAPALM long ago
    command = [sys.executable, "-c", CHECK]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr
