"""Benchmarks that print figures. `python -m bench.rush --help` is the registration rush of
issue 6: Tilmeld against the Kafka floor and a classic one-transaction-per-sign-up monolith."""
