"""One module per ``newsieve`` subcommand, each with ``register(subparsers)``."""
