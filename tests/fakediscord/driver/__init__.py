"""What test writers call on a FakeDiscord: act as users, wait, inspect, inject failures."""
