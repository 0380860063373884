"""A second terminal beside `ims up` (issue: the CLI finds its stack): with nothing exported but the home,
`ims token create`, `ims counts`, `ims status` and `ims verify` reach the servers `ims up` started, from
`.ims/stack.json` (mode 0600); a variable that is exported still wins; the file goes when the stack stops."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from tests.support.up import Up, stop_and_check_nothing_left

pytestmark = pytest.mark.e2e


def test_other_commands_find_the_running_stack_without_exported_servers(server_home) -> None:  # type: ignore[no-untyped-def]
    up = Up(server_home)
    bare = {k: v for k, v in up.env.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}

    def ims(*argv: str, env: dict[str, str] = bare) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "services.cli.main", *argv], env=env, capture_output=True, text=True, timeout=120
        )

    try:
        stack_file = server_home / "stack.json"
        assert stat.S_IMODE(stack_file.stat().st_mode) == 0o600
        recorded = json.loads(stack_file.read_text())
        assert recorded["database_url"] == up.env["DATABASE_URL"] and recorded["api"] == up.base
        recipients = up.file(seed=5, documents=30)
        up.wait_relayed()

        token = ims("token", "create", "--role", "recipient", "--gstin", recipients[0])
        assert token.returncode == 0, token.stderr[-2000:]
        counts = ims("counts", recipients[0])
        assert counts.returncode == 0 and "I B2B - Invoices" in counts.stdout, counts.stderr[-2000:]
        status = ims("status")
        assert status.returncode == 0, status.stderr[-2000:]
        assert f"running (pid {up.process.pid})" in status.stdout and "projection ims:" in status.stdout
        assert "projection registry: no checkpoint yet" in status.stdout, "every projection is listed"
        assert ":***@" in status.stdout and up.env["DATABASE_URL"].split("@")[0] not in status.stdout
        assert "lag 0" in status.stdout, status.stdout
        assert ims("verify").returncode == 0

        elsewhere = ims("counts", recipients[0], env={**bare, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"})
        assert elsewhere.returncode != 0, "an exported DATABASE_URL wins over the stack file"
    finally:
        stop_and_check_nothing_left(up.process)
    assert not (server_home / "stack.json").exists()
    gone = ims("status")
    assert gone.returncode == 1 and "not running" in gone.stdout
