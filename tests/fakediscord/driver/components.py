"""Using what the bot sent: buttons, select menus and modals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..common import ComponentType, InteractionType, JsonDict, OptionType
from ..interactions import InteractionHandle, OptionBuilder
from ..models import FakeMember, FakeMessage, FakeUser
from .base import DriverBase


class ComponentDriver(DriverBase):
    """``click``, ``select`` and ``submit_modal``."""

    def _component_user(
        self, message: FakeMessage, user: FakeUser | FakeMember | str | None
    ) -> FakeUser | FakeMember | str | None:
        if message.ephemeral and message.interaction_metadata is not None:
            owner = str(message.interaction_metadata["user"]["id"])
            if user is None:
                return owner
            if self.world.user(user).id != owner:
                raise PermissionError("only the interaction's user can see an ephemeral message")
        return user

    async def click(
        self,
        message: object,
        custom_id: str,
        *,
        user: FakeUser | FakeMember | str | None = None,
        permissions: int | None = None,
    ) -> InteractionHandle:
        """Click the button ``custom_id`` on ``message`` (FakeMessage, handle, or id)."""
        target = self._resolve_message(message)
        comp = target.find_component(custom_id)
        if comp is None:
            raise LookupError(
                f"message {target.id} has no component {custom_id!r}: {target.custom_ids}"
            )
        if comp.get("type") != ComponentType.BUTTON:
            raise ValueError(f"{custom_id!r} is not a button (type {comp.get('type')})")
        if comp.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled")
        actor = self._component_user(target, user)
        return await self._send_interaction(
            InteractionType.MESSAGE_COMPONENT,
            {"custom_id": custom_id, "component_type": ComponentType.BUTTON},
            user=actor,
            channel=target.channel,
            guild=target.channel.guild,
            permissions=permissions,
            locale="en-US",
            message=target,
        )

    async def select(
        self,
        message: object,
        custom_id: str,
        values: list[Any],
        *,
        user: FakeUser | FakeMember | str | None = None,
        permissions: int | None = None,
    ) -> InteractionHandle:
        """Choose ``values`` in the select menu ``custom_id`` on ``message``.

        String selects take option values; user/role/channel/mentionable selects take
        FakeUser/FakeRole/FakeChannel objects (or ids), which are sent with ``resolved``.
        """
        target = self._resolve_message(message)
        comp = target.find_component(custom_id)
        if comp is None:
            raise LookupError(
                f"message {target.id} has no component {custom_id!r}: {target.custom_ids}"
            )
        kind = comp.get("type")
        if kind not in ComponentType.SELECTS:
            raise ValueError(f"{custom_id!r} is not a select menu (type {kind})")
        if comp.get("disabled"):
            raise ValueError(f"select {custom_id!r} is disabled")
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}..{high} values, got {len(values)}")
        guild = target.channel.guild
        data: JsonDict = {"custom_id": custom_id, "component_type": kind}
        if kind == ComponentType.STRING_SELECT:
            allowed = [o.get("value") for o in comp.get("options") or []]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValueError(f"select {custom_id!r} has no option(s) {bad}; options: {allowed}")
            data["values"] = list(values)
        else:
            builder = OptionBuilder(self, guild, autocomplete=False)
            wire: list[str] = []
            for value in values:
                if kind == ComponentType.USER_SELECT:
                    spec_type = OptionType.USER
                elif kind == ComponentType.ROLE_SELECT:
                    spec_type = OptionType.ROLE
                elif kind == ComponentType.CHANNEL_SELECT:
                    spec_type = OptionType.CHANNEL
                else:
                    spec_type = OptionType.MENTIONABLE
                spec: JsonDict = {"name": custom_id, "type": spec_type}
                if kind == ComponentType.CHANNEL_SELECT and comp.get("channel_types"):
                    spec["channel_types"] = comp["channel_types"]
                wire.append(str(builder.value(spec, value)))
            data["values"] = wire
            data["resolved"] = builder.resolved_payload() or {}
        actor = self._component_user(target, user)
        return await self._send_interaction(
            InteractionType.MESSAGE_COMPONENT,
            data,
            user=actor,
            channel=target.channel,
            guild=guild,
            permissions=permissions,
            locale="en-US",
            message=target,
        )

    def _find_modal(self, source: InteractionHandle | str | None) -> InteractionHandle:
        if isinstance(source, InteractionHandle):
            if source.modal is None:
                raise LookupError(f"{source!r} did not open a modal")
            return source
        opened = [h for h in self.interactions.values() if h.modal is not None]
        if source is not None:
            opened = [
                h for h in opened if h.modal is not None and h.modal.get("custom_id") == source
            ]
        if not opened:
            raise LookupError(f"the bot has not opened a modal {source or ''}".strip())
        return opened[-1]

    async def submit_modal(
        self,
        custom_id: InteractionHandle | str | None,
        values: Mapping[str, str | list[str]] | None = None,
        *,
        user: FakeUser | FakeMember | str | None = None,
    ) -> InteractionHandle:
        """Fill in and submit a modal the bot opened.

        ``custom_id`` is the modal's custom_id, the handle that opened it, or None for the
        most recent modal. ``values`` maps text input (or select) custom_ids to what the
        user typed; required inputs must be given and lengths respect min/max_length.
        The submitted components mirror the modal: action rows stay rows, labels (type 18)
        stay labels, as discord.py 2.7 parses both.
        """
        opener = self._find_modal(custom_id)
        modal = opener.modal
        assert modal is not None
        given = dict(values or {})
        known: set[str] = set()

        def fill(comp: JsonDict) -> JsonDict:
            cid = comp.get("custom_id")
            if not isinstance(cid, str):
                return {"type": comp.get("type"), "id": comp.get("id")}
            known.add(cid)
            if comp.get("type") == ComponentType.TEXT_INPUT:
                value = given.get(cid, comp.get("value") or "")
                if not isinstance(value, str):
                    raise TypeError(f"text input {cid!r} takes a string")
                if comp.get("required", True) and not value:
                    raise ValueError(f"text input {cid!r} is required")
                low, high = comp.get("min_length"), comp.get("max_length")
                if value and low is not None and len(value) < low:
                    raise ValueError(f"text input {cid!r} shorter than {low}")
                if high is not None and len(value) > high:
                    raise ValueError(f"text input {cid!r} longer than {high}")
                return {"type": 4, "id": comp.get("id"), "custom_id": cid, "value": value}
            picked = given.get(cid, [])
            chosen = [picked] if isinstance(picked, str) else list(picked)
            return {
                "type": comp.get("type"),
                "id": comp.get("id"),
                "custom_id": cid,
                "values": chosen,
            }

        components: list[JsonDict] = []
        for top in modal.get("components") or []:
            if top.get("type") == ComponentType.ACTION_ROW:
                components.append(
                    {
                        "type": 1,
                        "id": top.get("id"),
                        "components": [fill(c) for c in top.get("components") or []],
                    }
                )
            elif top.get("type") == ComponentType.LABEL:
                components.append(
                    {"type": 18, "id": top.get("id"), "component": fill(top["component"])}
                )
            else:
                components.append({"type": top.get("type"), "id": top.get("id")})
        extra = set(given) - known
        if extra:
            raise KeyError(f"modal has no input(s) {sorted(extra)}; inputs: {sorted(known)}")
        data: JsonDict = {"custom_id": modal["custom_id"], "components": components}
        return await self._send_interaction(
            InteractionType.MODAL_SUBMIT,
            data,
            user=user or opener.user,
            channel=opener.channel,
            guild=opener.guild,
            permissions=None,
            locale="en-US",
            message=opener.source_message,
            opener=opener,
        )
