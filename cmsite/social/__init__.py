"""Social: how each network counts text, excerpts that fit, and the Network interface plugins implement."""
