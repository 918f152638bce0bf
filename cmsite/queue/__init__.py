"""The publishing queue: entries derived from social plans, and the publisher that sends them exactly once."""
