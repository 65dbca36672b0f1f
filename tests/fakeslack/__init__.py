"""A fake Slack for end-to-end tests: Web API, response URLs, uploads and a signing driver."""

from .driver import ADMIN, ALICE, BOB, COHORT, SIGNING_SECRET, Answer, FakeSlack
from .world import BOT_TOKEN, BOT_USER, TEAM, Message

__all__ = [
    "ADMIN",
    "ALICE",
    "BOB",
    "BOT_TOKEN",
    "BOT_USER",
    "COHORT",
    "SIGNING_SECRET",
    "TEAM",
    "Answer",
    "FakeSlack",
    "Message",
]
