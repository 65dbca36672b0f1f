"""Shared fixtures: the fake Discord's fixtures are registered for every test."""

pytest_plugins = ["tests.fakediscord.fixtures"]
