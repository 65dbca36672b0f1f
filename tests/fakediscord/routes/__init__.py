"""The fake's REST routes, one class per resource; :class:`..server.FakeDiscord` joins them.

Each class adds its routes in ``_build_routes`` and its handlers as methods, so a test
double (bench's ``BenchFake``) can override a handler by name.
"""
