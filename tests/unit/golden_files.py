"""Golden files per platform, under tests/unit/golden/<platform>/.

Regenerate them with NORNIR_PACK_UPDATE_GOLDEN=1 and review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
PLATFORMS = ("cisco_ios", "arista_eos")
UPDATE = os.environ.get("NORNIR_PACK_UPDATE_GOLDEN") == "1"


def golden(platform: str, name: str) -> str:
    return (GOLDEN / platform / name).read_text()


def check_golden(platform: str, name: str, actual: str) -> None:
    """Compare with the golden file (or rewrite it when updating goldens)."""
    path = GOLDEN / platform / name
    if UPDATE:
        path.write_text(actual)
    assert actual == path.read_text()
