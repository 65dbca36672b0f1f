"""The fake Discord's own tests: it behaves, and refuses, as Discord does."""
