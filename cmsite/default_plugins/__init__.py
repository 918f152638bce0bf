"""Built-in features, each a plugin registered through the same hooks as any other.

They use `trylast=True` so that a site's or a distribution's plugin runs first.
"""
