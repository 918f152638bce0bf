"""A 1,000-post site builds without error, with every list paginated."""

from __future__ import annotations

import random


def test_a_thousand_posts(site_folder):
    rng = random.Random(7)
    tags = [f"tag-{n}" for n in range(40)]
    for n in range(1000):
        month, day = 1 + n % 12, 1 + n % 28
        chosen = ", ".join(rng.sample(tags, 3))
        site_folder.post(
            f"2025-{month:02d}-{day:02d}-post-{n}.md",
            f"title: Post number {n}\ntags: [{chosen}]\ncategory: Cat {n % 5}",
            f"Paragraph {n}.\n\n## Part\n\n```python\nprint({n})\n```\n",
        )
    report = site_folder.build()
    assert report.pages > 1000 + 200
    assert (site_folder.output / "posts/post-999/index.html").is_file()
    assert (site_folder.output / "page/200/index.html").is_file()
    assert not (site_folder.output / "page/201").exists()
    again = site_folder.build()
    assert again.write.written == []
