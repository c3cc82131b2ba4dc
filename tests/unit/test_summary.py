"""The terminal summary at the end of a run (runbook.print_summary) at fleet size."""

from __future__ import annotations

import io

from rich.console import Console

from nornir_pack.report import HostReport, RunReport
from nornir_pack.runbook import SUMMARY_ROWS, print_summary


def _summary(statuses: list[str]) -> str:
    hosts = tuple(
        HostReport(f"h{i:04d}", status, False, 0.5, f"{status} because of rule {i}", ())
        for i, status in enumerate(statuses)
    )
    out = io.StringIO()
    print_summary(RunReport("compliance", False, 1.0, hosts), Console(file=out, width=100))
    return out.getvalue()


def test_a_few_hosts_needing_attention_get_a_table() -> None:
    text = _summary(["ok"] * 100 + ["non-compliant"] * 3)
    assert "the 3 of 103 hosts that need attention" in text
    assert "┃ host" in text  # a table with its header
    assert "h0000" not in text  # quiet hosts are left out past SUMMARY_ROWS hosts


def test_many_hosts_needing_attention_get_one_plain_line_each() -> None:
    count = SUMMARY_ROWS * 4
    text = _summary(["non-compliant"] * count + ["ok"])
    assert f"the {count} of {count + 1} hosts that need attention" in text
    assert "┃" not in text  # no table to draw
    lines = [line for line in text.splitlines() if line.startswith("h0")]
    assert len(lines) == count
    assert lines[7] == "h0007  non-compliant  unchanged  0.5 s  non-compliant because of rule 7"
    assert text.rstrip().endswith(f"{count + 1} hosts: {count} non-compliant, 1 ok")
