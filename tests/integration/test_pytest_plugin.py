"""The pytest plugin lets a team test its own runbooks against the lab in its own CI."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_nornir_lab_fixture_serves_the_inventory(pytester: pytest.Pytester, project: Path) -> None:
    pytester.makeini(f"[pytest]\nnornir_pack_config = {project / 'config.yaml'}\n")
    pytester.makepyfile(
        test_team_runbook="""
        import pytest
        from nornir_pack.tasks import backup_config, deploy_config

        def test_backup_every_host(nornir_lab, tmp_path):
            result = nornir_lab.nr.run(task=backup_config, backup_dir=str(tmp_path))
            assert not result.failed
            assert sorted(p.stem for p in tmp_path.glob("*.cfg")) == ["r1", "r2", "sw1", "sw2"]

        @pytest.mark.parametrize("attempt", [1, 2])
        def test_changes_do_not_leak_between_tests(nornir_lab, attempt):
            r1 = nornir_lab.lab.devices["r1"]
            assert "ntp server 10.0.0.2" not in nornir_lab.lab.call(r1.running_text)
            result = nornir_lab.nr.run(task=deploy_config, config="ntp server 10.0.0.2\\n",
                                       dry_run=False)
            assert not result.failed
            assert "ntp server 10.0.0.2" in nornir_lab.lab.call(r1.running_text)
        """
    )
    # the leak test runs twice: the second time it must again find a freshly booted r1
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
