"""Command line (`cohort-bot`, or `python -m bot`): the bot, the console, maintainers' tools.

Exit codes: 0 fine, 1 content problems (or a `db copy` rolled back), 2 bad settings,
token or input, 3 Discord could not be reached, 4 this process stopped owning its
shards (another may have taken them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.library.curricula import DEFAULT_CURRICULUM
from bot.library.library import Library
from bot.library.loader import ContentUnreadable, Problem
from bot.library.models import json_schema
from bot.services.answers import plural
from bot.store import StoreError

log = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cohort-bot",
        description=(
            "cohort-bot: run the bot (Discord with DISCORD_TOKEN, Slack with SLACK_BOT_TOKEN, "
            "else the console)."
        ),
    )
    parser.add_argument("--config", type=Path, help="settings file (default: ./config.yaml)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot on Discord and/or Slack (needs their tokens)")
    sub.add_parser("console", help="try the bot in this terminal")
    check = sub.add_parser("check", help="validate content files and report every problem")
    check.add_argument("content_dir", nargs="?", type=Path, help="default: content_dir setting")
    check.add_argument("--format", choices=("text", "github"), default="text")
    check.add_argument(
        "--source-text",
        action="append",
        default=[],
        metavar="ID=FILE",
        help="also check every quotation against this source's text (repeatable)",
    )
    sub.add_parser("schema", help="print the JSON Schema of content files")
    preview = sub.add_parser("preview", help="show a card as Discord will, with limit usage")
    preview.add_argument("card_id")
    preview.add_argument("content_dir", nargs="?", type=Path)
    preview.add_argument(
        "--curriculum", default=DEFAULT_CURRICULUM, help="the card's curriculum (default: default)"
    )
    db = sub.add_parser("db", help="move the bot's data to another database")
    db_sub = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    copy = db_sub.add_parser(
        "copy",
        help="copy every row into a new, empty database (SQLite <-> PostgreSQL)",
        description=(
            "Copy every row of a cohort-bot database into a new, empty one, ids included: "
            "from SQLite up to PostgreSQL when one machine is not enough, or back down. "
            "Stop the bot first. The source is only read, in one snapshot, and must "
            "already be at this version's schema (start this version of the bot on it "
            "once to upgrade it). The target is created if missing and must hold no "
            "rows. Everything is written in one transaction and the rows are counted on "
            "both sides before it commits: on any error the target is left empty. The "
            "rows are held in memory meanwhile (about twice the SQLite file's size). "
            "Prints the rows copied per table; exit 0 when every count matches, 1 when "
            "the copy failed (rolled back), 2 when it was refused (nothing written). "
            "Passwords in URLs are never printed."
        ),
        epilog=(
            "example: cohort-bot db copy --from sqlite:///data/cohort.sqlite3 "
            "--to postgresql://cohort:PASSWORD@db.example.org:5432/cohort"
        ),
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL",
        help="the database to copy: sqlite:///path/to/file.sqlite3 or postgresql://...",
    )
    copy.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL",
        help="an empty database or a new file: postgresql://user:password@host/db or sqlite:///...",
    )
    for name in ("run", "console", "check", "preview"):
        sub.choices[name].add_argument("--config", type=Path, default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "schema":
        print(json.dumps(json_schema(), indent=2))
        return 0
    if args.command == "check":
        content_dir = args.content_dir or _content_dir(args.config)
        return check(content_dir, args.format, args.source_text)
    if args.command == "db":
        return db_copy(args.source, args.target)
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "preview":
        from bot.preview import preview

        return preview(args.card_id, args.content_dir or settings.content_dir, args.curriculum)
    try:
        no_tokens = not settings.token and settings.slack_tokens is None
        if args.command == "console" or (args.command is None and no_tokens):
            if args.command is None:
                print(
                    "No DISCORD_TOKEN set: starting the local console. "
                    "(SLACK_BOT_TOKEN starts the Slack face.)\n",
                    file=sys.stderr,
                )
            return run_console(settings)
        return run_faces(settings)
    except StoreError as error:  # a newer or damaged database: say so, touch nothing
        print(f"database error: {error}", file=sys.stderr)
        return 2


def run_console(settings: Settings) -> int:
    from bot.console import run_console as console_loop

    logging.getLogger().setLevel(logging.ERROR)  # the console prints problems itself
    return console_loop(settings)


def run_faces(settings: Settings) -> int:
    """Whichever chats have tokens: Discord, Slack, or both in one process over one store."""
    slack = settings.slack_tokens
    if slack is None:
        return run_discord(settings)
    from bot.slack_face.runner import run_both, run_slack

    return run_both(settings, slack) if settings.token else run_slack(settings, slack)


def run_discord(settings: Settings) -> int:
    if not settings.token:
        print(
            "DISCORD_TOKEN is not set. Create a bot at "
            "https://discord.com/developers/applications, then run: DISCORD_TOKEN=... make run "
            "(for Slack set SLACK_BOT_TOKEN; or try the bot here first: `cohort-bot console`).",
            file=sys.stderr,
        )
        return 2
    from bot.discord_face.client import run_bot

    return run_bot(settings)


def db_copy(source: str, target: str) -> int:
    """Copy one database into another, empty one; 0 copied, 1 rolled back, 2 refused."""
    from bot.store.copy import CopyFailed, copy_database

    try:
        result = asyncio.run(copy_database(source, target))
    except CopyFailed as error:
        print(f"db copy failed: {error}", file=sys.stderr)
        return 1
    except StoreError as error:
        print(f"db copy refused: {error}", file=sys.stderr)
        return 2
    print("\n".join(result.summary()))
    return 0


def _content_dir(config: Path | None) -> Path:
    try:
        return load_settings(config).content_dir
    except ConfigError:
        return Path("content")


def check(content_dir: Path, output_format: str = "text", source_texts: Sequence[str] = ()) -> int:
    """Validate content (quotations too, given source texts); 0 clean, 1 problems, 2 unreadable."""
    from bot.library.quotations import SourceTextError, check_quotations, read_source_texts
    from bot.services.content import check_content

    try:
        result = check_content(content_dir)
        texts = read_source_texts(source_texts, result.source_origins())
    except (ContentUnreadable, SourceTextError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    reports = [check_quotations(each.origins, texts) for each in result.results.values()]
    problems = sorted([*result.problems, *(p for report in reports for p in report.problems)])
    for problem in problems:
        print(format_problem(problem, output_format))
    if problems:
        print(f"{plural(len(problems), 'problem')} in {content_dir}", file=sys.stderr)
        return 1
    libraries = result.libraries
    assert libraries is not None
    checked = sum(report.checked for report in reports)
    quoted = f"; {plural(checked, 'quotation')} verbatim" if source_texts else ""
    if list(libraries) == [DEFAULT_CURRICULUM]:
        print(f"{content_dir}: OK ({_library_counts(libraries[DEFAULT_CURRICULUM])}{quoted})")
        return 0
    print(f"{content_dir}: OK ({plural(len(libraries), 'curriculum', 'curricula')}{quoted})")
    for curriculum, library in libraries.items():
        print(f"  {curriculum}: {_library_counts(library)}")
    return 0


def _library_counts(library: Library) -> str:
    """'2 approaches, 1 expert, 1 myth, 2 prompts, 1 source'."""
    counts = ", ".join(plural(n, kind.value, kind.section) for kind, n in library.counts().items())
    return f"{counts}, {plural(len(library.sources), 'source')}"


def format_problem(problem: Problem, output_format: str) -> str:
    """A problem as text, or as a GitHub Actions annotation on the changed line."""
    if output_format != "github":
        return str(problem)
    location = f"file={problem.path}" + (f",line={problem.line}" if problem.line else "")
    message = f"{problem.key}: {problem.message}"
    escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::error {location},title=content::{escaped}"
