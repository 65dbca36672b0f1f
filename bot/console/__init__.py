"""A local terminal face on the services: try the bot with no Discord account.

It takes the same slash commands as Discord and prints the same views as text:
``core`` reads a line in context, ``cards``/``prompts``/``reflections`` hold the
commands, ``terminal`` the loop with readline, Ctrl-C and Ctrl-D.
"""

from bot.console.core import Console
from bot.console.prompts import ConsolePoster
from bot.console.terminal import readline_matches, run_console

__all__ = ["Console", "ConsolePoster", "readline_matches", "run_console"]
