"""Sub-commands of `ncst`, one module per family; each has ``register(subparsers)``."""
