"""The throwaway PostgreSQL the engine's tests use: a fresh, isolated database per test on
a real PostgreSQL 15+, and a skip (or, when required, a failure) without it."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest

from tests.postgres import (
    MODE_VARIABLE,
    NOT_INSTALLED,
    ROOT_VARIABLE,
    Decision,
    PgBinaries,
    PostgresCluster,
    PostgresStartError,
    _reap_stale,
    decide,
    find_binaries,
    throwaway_cluster,
)

ROOT = Path(__file__).parent.parent


async def tables(url: str) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
        return sorted(row["tablename"] for row in rows)
    finally:
        await connection.close()


async def execute(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def test_fresh_database_is_empty_and_writable(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql://cohort@127.0.0.1:")
    assert await tables(postgres_url) == []
    await execute(postgres_url, "CREATE TABLE mine (id integer PRIMARY KEY)")
    assert await tables(postgres_url) == ["mine"]


async def test_databases_do_not_see_each_other(
    postgres_server: PostgresCluster, postgres_url: str
) -> None:
    other = postgres_server.create_database()
    try:
        assert other != postgres_url
        await execute(postgres_url, "CREATE TABLE only_here (id integer)")
        assert await tables(other) == []
        assert await tables(postgres_url) == ["only_here"]
    finally:
        postgres_server.drop_database(other)


async def test_server_is_postgresql_15_with_durable_settings(postgres_url: str) -> None:
    connection = await asyncpg.connect(postgres_url)
    try:
        version = await connection.fetchval("SHOW server_version_num")
        fsync = await connection.fetchval("SHOW fsync")
        commit = await connection.fetchval("SHOW synchronous_commit")
        connections = await connection.fetchval("SHOW max_connections")
        superuser = await connection.fetchval(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        )
    finally:
        await connection.close()
    assert int(version) >= 150000
    assert (fsync, commit, connections, superuser) == ("on", "on", "200", True)


async def test_drop_database_forces_out_open_connections(
    postgres_server: PostgresCluster,
) -> None:
    url = postgres_server.create_database()
    name = url.rsplit("/", 1)[1]
    held = await asyncpg.connect(url)
    try:
        postgres_server.drop_database(url)
    finally:
        await held.close()  # the server already closed it; this only releases the client
    admin = await asyncpg.connect(postgres_server.admin_url)
    try:
        assert (
            await admin.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name) == 0
        )
    finally:
        await admin.close()


def test_drop_database_refuses_what_it_does_not_own(postgres_server: PostgresCluster) -> None:
    with pytest.raises(ValueError, match="refusing"):
        postgres_server.drop_database(postgres_server.admin_url)
    with pytest.raises(ValueError, match="not on this cluster"):
        postgres_server.drop_database("postgresql://cohort@127.0.0.1:1/t_abc")


def test_the_unix_socket_is_in_the_cluster_folder(postgres_server: PostgresCluster) -> None:
    assert (postgres_server.socket_dir / f".s.PGSQL.{postgres_server.port}").is_socket()


@pytest.mark.parametrize(
    ("env", "found", "expected"),
    [
        ({}, True, Decision("run")),
        ({MODE_VARIABLE: "required"}, True, Decision("run")),
        ({}, False, Decision("skip", NOT_INSTALLED)),
        ({MODE_VARIABLE: ""}, False, Decision("skip", NOT_INSTALLED)),
        ({MODE_VARIABLE: "auto"}, False, Decision("skip", NOT_INSTALLED)),
        (
            {MODE_VARIABLE: "required"},
            False,
            Decision("fail", f"{NOT_INSTALLED} (COHORT_TEST_POSTGRES=required)"),
        ),
        (
            {MODE_VARIABLE: " Required "},
            False,
            Decision("fail", f"{NOT_INSTALLED} (COHORT_TEST_POSTGRES=required)"),
        ),
    ],
)
def test_decision(env: dict[str, str], found: bool, expected: Decision) -> None:
    assert decide(env, found) == expected


@pytest.mark.parametrize("found", [True, False])
def test_a_misspelt_mode_fails_rather_than_skipping(found: bool) -> None:
    decision = decide({MODE_VARIABLE: "requried"}, found)
    assert decision.action == "fail"
    assert "'requried' is not understood" in decision.message


def test_binaries_are_found_in_the_newest_versioned_folder(tmp_path: Path) -> None:
    for version in ("9", "16", "13"):
        bindir = tmp_path / version / "bin"
        bindir.mkdir(parents=True)
        for name in ("initdb", "pg_ctl"):
            (bindir / name).write_text("#!/bin/sh\n")
            (bindir / name).chmod(0o755)
    (tmp_path / "17" / "bin").mkdir(parents=True)  # a version without its server: not usable
    found = find_binaries({"PATH": "", ROOT_VARIABLE: str(tmp_path)})
    assert found is not None
    assert found.bindir == tmp_path / "16" / "bin"
    assert find_binaries({"PATH": "", ROOT_VARIABLE: str(tmp_path / "none")}) is None


def run_pytest_without_postgres(tmp_path: Path, mode: str | None) -> subprocess.Popen[str]:
    """A real pytest run of one PostgreSQL test on a machine where none can be found."""
    env = {**os.environ, "PATH": str(tmp_path / "no-bin"), ROOT_VARIABLE: str(tmp_path / "none")}
    env.pop(MODE_VARIABLE, None)
    env.pop("PYTEST_ADDOPTS", None)
    if mode is not None:
        env[MODE_VARIABLE] = mode
    test = "tests/test_postgres_fixture.py::test_fresh_database_is_empty_and_writable"
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_without_postgres_tests_skip_with_one_line_or_fail_when_required(tmp_path: Path) -> None:
    # both runs at once: each is mostly pytest's own start-up
    skipping = run_pytest_without_postgres(tmp_path, None)
    requiring = run_pytest_without_postgres(tmp_path, "required")
    skipped, _ = skipping.communicate(timeout=60)
    failed, _ = requiring.communicate(timeout=60)

    assert skipping.returncode == 0, skipped
    assert "1 skipped" in skipped
    assert [line for line in skipped.splitlines() if NOT_INSTALLED in line] == [
        f"PostgreSQL tests skipped: {NOT_INSTALLED}"
    ]

    assert requiring.returncode == 1, failed
    assert "1 error" in failed
    assert f"{NOT_INSTALLED} (COHORT_TEST_POSTGRES=required)" in failed
    assert "skipped" not in failed


def test_a_server_that_cannot_start_raises_with_its_log(postgres_binaries: PgBinaries) -> None:
    with (
        pytest.raises(PostgresStartError, match="no_such_setting") as raised,
        throwaway_cluster(postgres_binaries, settings={"no_such_setting": "1"}),
    ):
        pass
    assert "did not start" in str(raised.value)
    folder = Path(str(raised.value).split("server log ", 1)[1].split("/server.log", 1)[0])
    assert not folder.exists()


def test_the_cluster_is_stopped_and_deleted_after(postgres_binaries: PgBinaries) -> None:
    with throwaway_cluster(postgres_binaries) as cluster:
        url = cluster.create_database()
        asyncio.run(execute(url, "CREATE TABLE t (id integer)"))
        folder, port = cluster.folder, cluster.port
        assert folder.exists()
    assert not folder.exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_a_cluster_left_by_a_killed_run_is_deleted_by_the_next(tmp_path: Path) -> None:
    killed = subprocess.Popen(["sleep", "0"])  # exited, not yet reaped: a zombie, as after -9
    try:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{killed.pid}/stat").read_text().split(") ")[1][0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        for name, pid in (("cohort-pg-left", killed.pid), ("cohort-pg-running", os.getpid())):
            (tmp_path / name / "data").mkdir(parents=True)
            (tmp_path / name / "owner").write_text(f"{socket.gethostname()} {pid}\n")
        _reap_stale(tmp_path)
    finally:
        killed.wait()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cohort-pg-running"]
