"""cmsite: a blog and its social posts from one folder of Markdown."""

__version__ = "0.1.0"
