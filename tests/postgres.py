"""A throwaway PostgreSQL cluster for tests and benchmarks, and its pytest fixtures.

The cluster lives in a temporary folder, listens on a free port on 127.0.0.1 (and on a unix
socket in that folder), trusts the superuser ``cohort`` and is stopped and deleted after.
Tests ask for ``postgres_url`` (a fresh empty database) or ``postgres_server`` (the
session's cluster, started only when first asked for). Without PostgreSQL installed those
tests skip with one line, unless ``COHORT_TEST_POSTGRES=required`` (CI), where they fail.
Outside pytest (bench/), ``with throwaway_cluster() as cluster:`` starts one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

import asyncpg
import pytest

MODE_VARIABLE = "COHORT_TEST_POSTGRES"
# Where versioned installs live (Debian: /usr/lib/postgresql/15/bin); tests point it elsewhere.
ROOT_VARIABLE = "COHORT_TEST_POSTGRES_ROOT"
DEFAULT_ROOT = "/usr/lib/postgresql"
SUPERUSER = "cohort"
NOT_INSTALLED = (
    "PostgreSQL is not installed (no initdb/pg_ctl found); "
    "install Debian's postgresql package to run these tests"
)
# Fast but honest: fsync and synchronous_commit stay on, so durability tests mean something.
SETTINGS: Mapping[str, str] = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",  # several bot processes, each with a pool
    "shared_buffers": "32MB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "log_line_prefix": "'%m [%p] '",
}
_PREFIX = "cohort-pg-"
_PORT_ATTEMPTS = 3


class PostgresNotFound(RuntimeError):
    """No initdb/pg_ctl on this machine."""


class PostgresStartError(RuntimeError):
    """initdb or the server failed; the message ends with the log's tail."""


@dataclass(frozen=True)
class PgBinaries:
    """The folder holding one installation's initdb and pg_ctl."""

    bindir: Path

    @property
    def initdb(self) -> Path:
        return self.bindir / "initdb"

    @property
    def pg_ctl(self) -> Path:
        return self.bindir / "pg_ctl"


def _usable(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl"))


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def find_binaries(env: Mapping[str, str] | None = None) -> PgBinaries | None:
    """initdb and pg_ctl from ``pg_config --bindir``, else the newest /usr/lib/postgresql/*,
    else PATH; None when there are none."""
    env = os.environ if env is None else env
    path = env.get("PATH", "")
    pg_config = shutil.which("pg_config", path=path)
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out and _usable(Path(out)):
                return PgBinaries(Path(out))
    root = Path(env.get(ROOT_VARIABLE, DEFAULT_ROOT))
    for bindir in sorted(root.glob("*/bin"), key=_version_key, reverse=True):
        if _usable(bindir):
            return PgBinaries(bindir)
    initdb, pg_ctl = shutil.which("initdb", path=path), shutil.which("pg_ctl", path=path)
    if initdb is not None and pg_ctl is not None:
        # Debian's /usr/bin wrappers are symlinks; the real folder has the server beside them.
        real = Path(initdb).resolve().parent
        if _usable(real):
            return PgBinaries(real)
    return None


def postgres_available() -> bool:
    """Whether this machine can start a throwaway cluster (initdb and pg_ctl found)."""
    return find_binaries() is not None


class Decision(NamedTuple):
    """What tests needing PostgreSQL do: run, skip or fail (with the line to show)."""

    action: Literal["run", "skip", "fail"]
    message: str = ""


def decide(env: Mapping[str, str], found: bool) -> Decision:
    """Skip without PostgreSQL, unless COHORT_TEST_POSTGRES=required; a misspelt value fails
    rather than silently skipping."""
    raw = env.get(MODE_VARIABLE, "")
    mode = raw.strip().lower()
    if mode not in ("", "auto", "required"):
        return Decision(
            "fail", f"{MODE_VARIABLE}={raw!r} is not understood: set it to 'required' or unset it"
        )
    if found:
        return Decision("run")
    if mode == "required":
        return Decision("fail", f"{NOT_INSTALLED} ({MODE_VARIABLE}=required)")
    return Decision("skip", NOT_INSTALLED)


def require_postgres() -> PgBinaries:
    """The binaries, or skip (fail when required) the calling test, as ``decide`` says."""
    binaries = find_binaries()
    _enforce(decide(os.environ, binaries is not None))
    assert binaries is not None
    return binaries


def _enforce(decision: Decision) -> None:
    if decision.action == "skip":
        pytest.skip(decision.message, allow_module_level=True)
    if decision.action == "fail":
        pytest.fail(decision.message, pytrace=False)


def _unprivileged_user() -> pwd.struct_passwd | None:
    """initdb refuses root: as root, run the server as ``postgres`` (Debian's) or ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresStartError("running as root, and neither a postgres nor a nobody user exists")


def _as_user(user: pwd.struct_passwd | None, argv: list[str]) -> list[str]:
    if user is None:
        return argv
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if runuser is not None:
        return [runuser, "-u", user.pw_name, "--", *argv]
    setpriv = shutil.which("setpriv") or shutil.which("setpriv", path="/usr/bin:/bin")
    if setpriv is not None:
        return [
            setpriv,
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
            *argv,
        ]
    raise PostgresStartError("running as root, and neither runuser nor setpriv is installed")


def _world_searchable(path: Path) -> bool:
    """Whether another user can reach files under ``path`` (every folder up to / has o+x)."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:])


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True


class PostgresCluster:
    """A running throwaway cluster: URLs for it, and fresh databases on it."""

    def __init__(self, binaries: PgBinaries, folder: Path, user: pwd.struct_passwd | None) -> None:
        self.binaries = binaries
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.socket_dir = folder  # the unix socket is .s.PGSQL.<port> in here
        self.user = user
        self.host = "127.0.0.1"
        self.port = 0

    def url(self, dbname: str) -> str:
        """The URL of one database on this cluster, as the superuser ``cohort``."""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    @property
    def admin_url(self) -> str:
        """The maintenance database ``postgres``, for CREATE/DROP DATABASE."""
        return self.url("postgres")

    def create_database(self) -> str:
        """A fresh, empty database (``t_<random>``); its URL."""
        name = f"t_{secrets.token_hex(6)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database on this cluster, even with clients still connected (FORCE)."""
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if (parts.hostname, parts.port) != (self.host, self.port):
            raise ValueError(f"{url} is not on this cluster ({self.host}:{self.port})")
        if not re.fullmatch(r"[A-Za-z0-9_]+", name) or name in (
            "postgres",
            "template0",
            "template1",
        ):
            raise ValueError(f"refusing to drop database {name!r}")
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        """Run one statement on ``postgres``, in a thread of its own so that it works both
        from plain code and from inside a running event loop (async tests)."""

        async def run() -> None:
            connection = await asyncpg.connect(self.admin_url)
            try:
                await connection.execute(sql)
            finally:
                await connection.close()

        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(lambda: asyncio.run(run())).result()

    def _run(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _as_user(self.user, argv),
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _init(self, settings: Mapping[str, str]) -> None:
        # --no-sync only skips initdb's own flush of the template files; the server fsyncs.
        done = self._run(
            [
                str(self.binaries.initdb),
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            timeout=120,
        )
        if done.returncode != 0:
            output = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
            raise PostgresStartError(f"initdb failed (exit {done.returncode}):\n{output}")
        lines = [f"{key} = {value}" for key, value in {**SETTINGS, **settings}.items()]
        lines.append(f"unix_socket_directories = '{self.socket_dir}'")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# cohort-bot tests\n" + "\n".join(lines) + "\n")

    def _start(self) -> None:
        for _ in range(_PORT_ATTEMPTS):
            self.port = _free_port()
            done = self._run(
                [
                    str(self.binaries.pg_ctl),
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    f"-p {self.port}",
                ],
                timeout=90,
            )
            if done.returncode == 0:
                return
            log = _tail(self.log)
            if "could not bind" not in log and "already in use" not in log:
                break  # not a port taken between probing and binding: retrying will not help
        raise PostgresStartError(
            f"PostgreSQL did not start (pg_ctl: {(done.stdout + done.stderr).strip()});"
            f" server log {self.log}:\n{_tail(self.log)}"
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown), killing it if it will not stop."""
        if not (self.data / "postmaster.pid").exists():
            return
        done = self._run(
            [
                str(self.binaries.pg_ctl),
                "stop",
                "-w",
                "-t",
                "30",
                "-m",
                "fast",
                "-D",
                str(self.data),
            ],
            timeout=60,
        )
        if done.returncode != 0:
            _kill_postmaster(self.data)


def _kill_postmaster(data: Path) -> None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, 9)


def _reap_stale(base: Path) -> None:
    """Stop and delete clusters left behind by a test run that was killed (its owner is gone),
    so a SIGKILLed run does not leave a server running forever."""
    host = socket.gethostname()
    for folder in base.glob(f"{_PREFIX}*"):
        with contextlib.suppress(OSError, ValueError):
            owner_host, owner_pid = (folder / "owner").read_text().split()
            if owner_host != host or _alive(int(owner_pid)):
                continue
            _kill_postmaster(folder / "data")
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster(
    binaries: PgBinaries | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[PostgresCluster]:
    """Start a fresh cluster (extra postgresql.conf ``settings`` override the defaults), and
    stop and delete it after. Raises PostgresNotFound or PostgresStartError."""
    binaries = binaries or find_binaries()
    if binaries is None:
        raise PostgresNotFound(NOT_INSTALLED)
    user = _unprivileged_user()
    base = Path(tempfile.gettempdir())
    if user is not None and not _world_searchable(base):
        base = Path("/tmp")  # the server's user must reach its folder
    _reap_stale(base)
    folder = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=base))
    try:
        (folder / "owner").write_text(f"{socket.gethostname()} {os.getpid()}\n")
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        cluster = PostgresCluster(binaries, folder, user)
        try:
            cluster._init(settings or {})
            cluster._start()
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- pytest: fixtures, the `postgres` marker and the one-line note when skipped ---------

_SKIPPED = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: uses the throwaway PostgreSQL cluster (set by its fixtures)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "postgres_binaries" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """`pytest -q` hides skip reasons: say once why the PostgreSQL tests did not run."""
    message = terminalreporter.config.stash.get(_SKIPPED, None)
    if message is not None:
        terminalreporter.write_line(f"PostgreSQL tests skipped: {message}", yellow=True)


@pytest.fixture(scope="session")
def postgres_binaries(request: pytest.FixtureRequest) -> PgBinaries:
    """This machine's PostgreSQL, or the test skips (fails when required), as ``decide`` says."""
    binaries = find_binaries()
    decision = decide(os.environ, binaries is not None)
    if decision.action == "skip":
        request.config.stash[_SKIPPED] = decision.message
    _enforce(decision)
    assert binaries is not None
    return binaries


@pytest.fixture(scope="session")
def postgres_server(postgres_binaries: PgBinaries) -> Iterator[PostgresCluster]:
    """The session's cluster, started when a test first asks for it."""
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(throwaway_cluster(postgres_binaries))
        except (PostgresStartError, OSError, subprocess.SubprocessError) as error:
            pytest.fail(f"PostgreSQL could not start: {error}", pytrace=False)
        yield cluster


@pytest.fixture
def postgres_url(postgres_server: PostgresCluster) -> Iterator[str]:
    """A fresh, empty database for this test alone; dropped (FORCE) after."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)
