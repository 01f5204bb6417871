"""The domain and its storage. Never imports Flask, so the rule, the crypto,
the definition parser, migrations and benchmarks all run without an app."""
