"""`cohort-bot db copy`: a populated SQLite store moved to PostgreSQL (and back down)
reads back the same through the store's own methods, ids included; a target with rows,
a source the bot would have to change, the same database twice and a bad URL are each
refused in one line, with nothing written."""

from __future__ import annotations

import asyncio
import hashlib
import re
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.cli import main
from bot.store import Store, StoreError, load_migrations
from bot.store.copy import BATCH_ROWS, CopyFailed, copy_database
from bot.store.engine import Conn, fetch
from bot.store.practice import NewState
from bot.store.schema_catalog import BOOKKEEPING, read_tables
from tests.store_helpers import ALICE, BOB, GUILD, NOW, OTHER_GUILD, add, new_cohort

ROOT = Path(__file__).resolve().parents[1]
CAROL = 900_000_000_000_000_003
FAR = NOW + timedelta(days=3650)


async def populate(store: Store) -> dict[str, int]:
    """Something in every table, through the store's public methods; ids worth checking."""
    spring = await new_cohort(store, name="Spring", channel=5)
    autumn = await new_cohort(store, name="Autumn", channel=6, post_time="18:30")
    other = await new_cohort(store, guild=OTHER_GUILD, name="Elsewhere", channel=7)
    await store.update_cohort(
        spring, now=NOW, ends_on=date(2025, 5, 1), curriculum="first-aid", digest_channel_id=9
    )
    await store.set_paused(autumn, True, now=NOW)
    await store.end_cohort(other, now=NOW)
    await store.start_new_round(autumn)
    for day in (date(2025, 4, 18), date(2025, 4, 21)):
        await store.add_quiet_date(spring, day)
    row = await store.reserve_post(spring, 1, "p1", date(2025, 3, 10), now=NOW)
    assert row is not None
    await store.confirm_post(row, channel_id=5, message_id=501, thread_id=502)
    await store.reserve_post(spring, 1, "p2", date(2025, 3, 11), now=NOW)  # in flight
    await store.record_post(spring, 1, "p3", "skipped", now=NOW)
    await store.record_post(autumn, 2, "p1", "manual", now=NOW, channel_id=6, message_id=601)

    await store.join_cohort(spring, ALICE, "Alice", now=NOW)
    await store.join_cohort(spring, BOB, "Bob 🌱", now=NOW, added_by=ALICE)
    await store.join_cohort(autumn, ALICE, "Alice", now=NOW)
    await store.set_reminder(spring, ALICE, "07:45", "Europe/Berlin")
    await store.note_dm_refused(spring, BOB, date(2025, 3, 10))

    first = await add(store, "private thought", about="p1")
    shared = await add(store, "shared with the cohort", author=BOB)
    anonymous = await add(store, "said without a name")
    pending = await add(store, "on its way out", author=BOB, about="p2")
    await store.add_reflection(
        GUILD, ALICE, about_kind="myth", about_id="m1", text="ünïcode ✓", now=NOW, cohort_id=spring
    )
    doomed = await add(store, "the newest, deleted: its number is never given again")
    await store.set_visibility(GUILD, BOB, shared.id, "cohort", 5, 701)
    await store.set_visibility(GUILD, ALICE, anonymous.id, "anonymous", 5, 702)
    await store.reserve_share(GUILD, BOB, pending.id, 5, "anonymous", now=NOW)
    await store.edit_reflection(GUILD, ALICE, first.id, "private thought, edited", now=NOW)
    assert await store.delete_reflection(GUILD, ALICE, doomed.id)

    reserved = await store.reserve_delivery(
        spring, "reminder", date(2025, 3, 10), now=NOW, user_id=ALICE
    )
    assert reserved is not None
    await store.settle_delivery(reserved, "sent", message_id=801)
    await store.reserve_delivery(spring, "digest", date(2025, 3, 10), now=NOW, channel_id=9)

    for item, right in (("myth:m1", True), ("approach:a1", False)):
        assert await store.record_practice_answer(
            GUILD, ALICE, item, choice="true" if right else "b", right=right,
            expected=None, new=NewState(1, NOW + timedelta(days=1)), now=NOW,
        )  # fmt: skip
    workspace = await store.chat_id("slack", "T0001")
    channel = await store.chat_id("slack", "C0001")
    await store.set_meta("command_fingerprint", "abc123")
    await store.set_facilitator_role(GUILD, 4242, now=NOW)
    await store.set_facilitator_role(OTHER_GUILD, None, now=NOW)
    return {
        "spring": spring,
        "autumn": autumn,
        "other": other,
        "workspace": workspace,
        "channel": channel,
        "next_reflection": doomed.id + 1,
    }


async def read_back(store: Store, ids: dict[str, int]) -> dict[str, Any]:
    """Everything populate() wrote, as the store's public methods give it back."""
    seen: dict[str, Any] = {}
    for guild in (GUILD, OTHER_GUILD):
        seen[f"cohorts {guild}"] = await store.list_cohorts(guild, include_ended=True)
        seen[f"history {guild}"] = await store.guild_history(guild, limit=100)
        seen[f"role {guild}"] = await store.get_facilitator_role(guild)
    for cohort in (ids["spring"], ids["autumn"], ids["other"]):
        seen[f"quiet {cohort}"] = await store.list_quiet_dates(cohort)
        seen[f"roster {cohort}"] = await store.roster(cohort)
        for kind in ("reminder", "digest", "final"):
            seen[f"{kind} {cohort}"] = await store.deliveries(cohort, kind)
    for member in (ALICE, BOB, CAROL):
        seen[f"reflections {member}"] = await store.list_reflections(GUILD, member, limit=100)
        seen[f"states {member}"] = await store.practice_states(GUILD, member)
        seen[f"answers {member}"] = await store.practice_answers(GUILD, member)
        seen[f"shared {member}"] = await store.shared_messages(GUILD, member)
    seen["pending"] = await store.pending_shares(before=FAR)
    seen["unconfirmed"] = await store.unconfirmed_posts(before=FAR)
    seen["unsettled"] = await store.unsettled_deliveries(before=FAR)
    seen["dm refusals"] = await store.members_with_dm_refusals()
    seen["workspace"] = await store.external_id("slack", ids["workspace"])
    seen["channel"] = await store.external_id("slack", ids["channel"])
    seen["meta"] = await store.get_meta("command_fingerprint")
    return seen


async def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order, read straight from the database."""

    async def body(conn: Conn) -> dict[str, list[tuple[Any, ...]]]:
        tables = await read_tables(conn, store.engine)
        out = {}
        for name, table in sorted(tables.items()):
            columns = ", ".join(sorted(table.columns))
            order = ", ".join(table.key)
            rows = await fetch(conn, f"SELECT {columns} FROM {name} ORDER BY {order}")
            out[name] = [tuple(row) for row in rows]
        return out

    return await store._run(body, "read")


async def populated_sqlite(path: Path) -> dict[str, int]:
    async with Store.open(path) as store:
        return await populate(store)


def sqlite_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    return names - BOOKKEEPING


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_password(url: str, password: str) -> str:
    """The test cluster trusts its user, so any password works, and must not be shown."""
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "db", "copy", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_sqlite_to_postgresql_reads_back_the_same_with_the_same_ids(
    tmp_path: Path, postgres_url: str
) -> None:
    source = tmp_path / "cohort.sqlite3"
    ids = await populated_sqlite(source)
    before = digest(source)

    result = await copy_database(f"sqlite:///{source}", postgres_url)

    assert digest(source) == before  # only read
    async with Store.open(source) as src, Store.open(postgres_url) as dst:
        assert await read_back(dst, ids) == await read_back(src, ids)
        assert await dump(dst) == await dump(src)
        assert result.rows == {name: len(rows) for name, rows in (await dump(src)).items()}
        # numbers go on from the source's: the deleted reflection's is not given again
        again = await add(dst, "after the move")
        assert again.id == ids["next_reflection"]
        assert await dst.chat_id("slack", "C0002") == ids["channel"] - 1  # ids are -n
        autumn = await new_cohort(dst, name="Winter", channel=8)
        assert autumn == ids["other"] + 1
    conn = await asyncpg.connect(postgres_url)
    try:
        pg_tables = {
            r[0]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        }
    finally:
        await conn.close()
    assert set(result.rows) == pg_tables - BOOKKEEPING == sqlite_tables(source)


async def test_every_table_is_copied_in_foreign_key_order(tmp_path: Path) -> None:
    source, target = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    await populated_sqlite(source)
    result = await copy_database(f"sqlite:///{source}", f"sqlite:///{target}")
    assert set(result.rows) == sqlite_tables(source) == sqlite_tables(target)
    assert all(count > 0 for count in result.rows.values()), result.rows
    order = list(result.rows)
    for child in ("prompt_history", "reflections", "cohort_members", "quiet_dates"):
        assert order.index("cohorts") < order.index(child)
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        sequences = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    conn.close()
    with sqlite3.connect(source) as conn:
        assert sequences == dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    conn.close()


async def test_postgresql_back_down_to_sqlite_equals_the_original(
    tmp_path: Path, postgres_url: str
) -> None:
    source, back = tmp_path / "first.sqlite3", tmp_path / "back.sqlite3"
    ids = await populated_sqlite(source)
    await copy_database(f"sqlite:///{source}", postgres_url)
    result = await copy_database(postgres_url, f"sqlite:///{back}")
    assert result.total > 0
    async with Store.open(source) as first, Store.open(back) as again:
        assert await dump(again) == await dump(first)
        assert await read_back(again, ids) == await read_back(first, ids)
        assert (await add(again, "new")).id == ids["next_reflection"]


async def test_many_rows_go_across_in_batches(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "big.sqlite3"
    count = BATCH_ROWS * 2 + 3
    async with Store.open(source) as store:  # concurrent calls share commits
        ids = await asyncio.gather(*(store.chat_id("slack", f"U{i:06d}") for i in range(count)))
    assert sorted(ids) == list(range(-count, 0))
    result = await copy_database(f"sqlite:///{source}", postgres_url)
    assert result.rows["chat_ids"] == count
    async with Store.open(postgres_url) as dst:
        assert await dst.external_id("slack", ids[-1]) == f"U{count - 1:06d}"
        assert await dst.chat_id("slack", "new") == -(count + 1)


def test_the_cli_copies_and_prints_each_table_never_the_password(
    tmp_path: Path, postgres_url: str
) -> None:
    source = tmp_path / "cohort.sqlite3"
    asyncio.run(populated_sqlite(source))
    target = with_password(postgres_url, "s3cret-pw")
    done = run_cli("--from", f"sqlite:///{source}", "--to", target)
    assert done.returncode == 0, done.stderr
    assert "s3cret-pw" not in done.stdout + done.stderr
    assert re.search(r"^  reflections: +5 rows$", done.stdout, re.MULTILINE)
    assert re.search(r"^  cohorts: +3 rows$", done.stdout, re.MULTILINE)
    assert re.search(r"^  guild_settings: +2 rows$", done.stdout, re.MULTILINE)
    assert "every count matches" in done.stdout.splitlines()[-1]

    again = run_cli("--from", f"sqlite:///{source}", "--to", target)
    assert again.returncode == 2
    assert again.stdout == ""
    assert again.stderr.count("\n") == 1
    assert "already holds rows" in again.stderr and "nothing was written" in again.stderr
    assert "s3cret-pw" not in again.stderr and ":***@" in again.stderr


async def test_a_target_with_rows_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    source, target = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    await populated_sqlite(source)
    async with Store.open(target) as store:
        await store.set_meta("mine", "keep me")
    before = digest(target)
    with pytest.raises(StoreError, match=r"already holds rows \(in meta\)") as refused:
        await copy_database(f"sqlite:///{source}", f"sqlite:///{target}")
    assert not isinstance(refused.value, CopyFailed)
    assert digest(target) == before


async def test_a_source_at_another_schema_is_refused_untouched(tmp_path: Path) -> None:
    older, newer = tmp_path / "older.sqlite3", tmp_path / "newer.sqlite3"
    target = tmp_path / "target.sqlite3"
    async with Store.open(older, migrations=load_migrations()[:7]) as store:
        await store.set_meta("k", "v")
    await populated_sqlite(newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    for path, message in ((older, "at schema 7, older .*Start this version"), (newer, "newer")):
        before = digest(path)
        with pytest.raises(StoreError, match=message):
            await copy_database(f"sqlite:///{path}", f"sqlite:///{target}")
        assert digest(path) == before
    assert not target.exists()


async def test_a_failed_copy_leaves_the_target_empty(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "cohort.sqlite3"
    await populated_sqlite(source)
    with sqlite3.connect(source) as conn:  # PostgreSQL's text cannot hold a NUL
        conn.execute("UPDATE reflections SET text = ? WHERE id = 2", ("a\x00b",))
    conn.close()
    with pytest.raises(CopyFailed, match="nothing was written"):
        await copy_database(f"sqlite:///{source}", postgres_url)
    async with Store.open(postgres_url) as dst:
        assert all(rows == [] for rows in (await dump(dst)).values())
        # the cohorts' sequence, moved before the failure, was rolled back with the rest
        assert await new_cohort(dst) == 1


def test_refusals_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    existing = tmp_path / "cohort.sqlite3"
    existing.touch()
    cases = {
        ("sqlite:///cohort.sqlite3", f"sqlite:///{existing}"): "the same database",
        ("mysql://bot:hunter2@db/cohort", "sqlite:///x.sqlite3"): "not a database URL",
        ("sqlite:///missing.sqlite3", "sqlite:///x.sqlite3"): "holds no cohort-bot database",
        ("sqlite:///cohort.sqlite3", "sqlite:///x.sqlite3"): "holds no cohort-bot database",
        (f"sqlite:///{tmp_path}", "sqlite:///x.sqlite3"): "is a folder",
    }
    for (source, target), message in cases.items():
        assert main(["db", "copy", "--from", source, "--to", target]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.startswith("db copy refused: ") and err.count("\n") == 1, err
        assert message in err
        assert "hunter2" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.sqlite3"]


def test_an_unreachable_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://bot:hunter2@127.0.0.1:1/cohort"
    assert main(["db", "copy", "--from", url, "--to", "postgresql://bot@127.0.0.1:1/b"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot connect" in err and "hunter2" not in err
