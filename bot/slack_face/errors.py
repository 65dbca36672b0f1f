"""Slack's error code from a failed Web API call, whatever the body was."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

SORRY = "Something went wrong on my side; it is logged. Please try again."


def error_code(error: SlackApiError) -> str:
    """``not_in_channel`` and the like; ``http_500`` when the answer was not Slack's JSON
    (a proxy or a timeout: nobody knows whether the call took effect)."""
    data = error.response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"http_{error.response.status_code}"
