"""Guild payloads the gateway and REST share: GET /guilds, GUILD_CREATE, member chunks."""

from __future__ import annotations

from .common import ChannelType, Intents, JsonDict, iso
from .models import FakeGuild, FakeUser, World


def guild_payload(guild: FakeGuild) -> JsonDict:
    """The REST guild object (``GET /guilds/{id}``)."""
    text = [c for c in guild.channels if c.type == ChannelType.GUILD_TEXT]
    return {
        "id": guild.id,
        "name": guild.name,
        "icon": None,
        "description": None,
        "home_header": None,
        "splash": None,
        "discovery_splash": None,
        "features": [],
        "banner": None,
        "owner_id": guild.owner.id,
        "application_id": None,
        "region": "deprecated",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "system_channel_id": text[0].id if text else None,
        "system_channel_flags": 0,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 0,
        "roles": [r.payload() for r in guild.roles],
        "default_message_notifications": 0,
        "mfa_level": 0,
        "explicit_content_filter": 0,
        "max_presences": None,
        "max_members": 500000,
        "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "rules_channel_id": None,
        "safety_alerts_channel_id": None,
        "public_updates_channel_id": None,
        "premium_progress_bar_enabled": False,
        "nsfw": False,
        "nsfw_level": 0,
        "emojis": [],
        "stickers": [],
        "incidents_data": None,
        "inventory_settings": None,
        "embed_enabled": False,
        "embed_channel_id": None,
        "latest_onboarding_question_id": None,
    }


def guild_create_payload(guild: FakeGuild, bot_user: FakeUser, *, intents: int) -> JsonDict:
    """GUILD_CREATE for a session with ``intents``.

    As on Discord, ``members`` holds only the bot unless GUILD_PRESENCES is on (bots
    that need members request them with op 8, which the fake answers).
    """
    data = guild_payload(guild)
    bot_member = guild.members[bot_user.id]
    if intents & Intents.GUILD_PRESENCES:
        members = list(guild.members.values())[:250]
    else:
        members = [bot_member]
    data.update(
        {
            "joined_at": iso(bot_member.joined_at),
            "large": len(guild.members) > 250,
            "unavailable": False,
            "member_count": len(guild.members),
            "voice_states": [],
            "members": [m.payload() for m in members],
            "channels": [c.payload() for c in guild.channels if not c.is_thread],
            "threads": [c.payload() for c in guild.channels if c.is_thread and not c.archived],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "application_command_counts": {},
            "lazy": True,
        }
    )
    return data


def member_chunks(world: World, data: JsonDict) -> list[JsonDict]:
    """GUILD_MEMBERS_CHUNK payloads answering a REQUEST_GUILD_MEMBERS (op 8)."""
    raw_ids = data.get("guild_id")
    guild_ids = [str(g) for g in raw_ids] if isinstance(raw_ids, list) else [str(raw_ids)]
    chunks: list[JsonDict] = []
    for gid in guild_ids:
        guild = world.guilds.get(gid)
        if guild is None:
            continue
        members = list(guild.members.values())
        not_found: list[str] = []
        user_ids = data.get("user_ids")
        if user_ids:
            wanted = [str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
            not_found = [u for u in wanted if u not in guild.members]
            members = [m for m in members if m.user.id in wanted]
        else:
            query = str(data.get("query") or "").lower()
            members = [m for m in members if m.user.username.lower().startswith(query)]
            limit = int(data.get("limit") or 0)
            if limit:
                members = members[:limit]
        chunk: JsonDict = {
            "guild_id": gid,
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": not_found,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        chunks.append(chunk)
    return chunks
