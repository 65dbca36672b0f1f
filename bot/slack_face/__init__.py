"""The Slack face: slash commands, Block Kit and modals over the same services."""
