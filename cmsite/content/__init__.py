"""Content: files on disk → Items (front matter + rendered Markdown)."""
