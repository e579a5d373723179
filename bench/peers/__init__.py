"""`make bench-peers`: Casecoder side by side with Taguette on the same workload (issue #19).

    python -m bench.peers [--scales study,large] [--rounds 30]

Installs Taguette 1.5.2 from PyPI into its own virtualenv (var/bench/peers/venv), starts it
(multi-user, SQLite, its own config file) and Casecoder under gunicorn with production
settings (PostgreSQL), loads the same deterministic workload (workload.py) into both over
HTTP, then times each everyday operation in interleaved rounds (Casecoder, Taguette,
Taguette, Casecoder, ...) so that the machine's drift hits both alike. Client wall time
per operation; medians, p95 and the ratio Taguette / Casecoder (above 1: Casecoder is
faster) go to var/bench/peers.json.
"""
