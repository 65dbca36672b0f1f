"""Discord's way of writing the services' channels and times."""

from __future__ import annotations

from bot.text import ChannelMention, MemberMention, Moment, Rich


def channel_mention(channel: ChannelMention) -> str:
    return f"<#{channel.channel_id}>"


def moment_text(moment: Moment) -> str:
    """The cohort's local time, then Discord's timestamp in each reader's own zone."""
    return f"{moment.in_zone()} (<t:{int(moment.at.timestamp())}:F> your time)"


def member_mention(member: MemberMention) -> str:
    """A mention: Discord shows the member's current name; messages never ping (NO_PINGS)."""
    return f"<@{member.user_id}>"


def discord_text(text: Rich | str) -> str:
    """Rich text as a Discord message writes it."""
    if isinstance(text, str):
        return text
    return text.render(channel_mention, moment_text, member_mention)
