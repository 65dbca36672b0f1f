"""cohort-bot: a study-companion Discord bot for a training cohort."""
