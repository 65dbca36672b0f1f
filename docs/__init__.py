"""The README's pictures, rendered from the bot's real messages (``make pictures``)."""
