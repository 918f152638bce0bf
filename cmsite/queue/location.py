"""Which queue a site uses — the SQLite file beside it, or a team's PostgreSQL server — and
what it published: what every build asks (the syndication plugin's "Also on" links and the
file whose change says they changed), apart from the sync and the publisher (service.py),
which a build of a site without networks never imports.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cmsite.errors import ContentError, ContentErrors, display_path
from cmsite.queue.store import (
    DamagedQueue,
    QueueStore,
    QueueUnreachable,
    Store,
    damaged_queue,
    published_stamp,
    published_urls,
    queue_path,
)
from cmsite.social.accounts import secrets_environment
from cmsite.social.redact import Redactor
from cmsite.social.settings import queue_settings

if TYPE_CHECKING:
    from cmsite.queue.postgres import PostgresStore
    from cmsite.site import Site


QUEUE_URL = "CMSITE_QUEUE_URL"  # a PostgreSQL store's address, over `[queue] url`
QUEUE_PASSWORD = "CMSITE_QUEUE_PASSWORD"  # its password (or libpq's PGPASSWORD, ~/.pgpass)
SERVER_STAMP = "queue-server-published"  # in the cache: the server's published links, as last seen


def open_store(site: Site, *, copy: bool = False) -> Store:
    """The site's store: PostgreSQL when CMSITE_QUEUE_URL (the environment or .env) or `[queue] url`
    names a server, else SQLite at `[queue] path` or .cmsite/queue.sqlite. ContentErrors when the
    SQLite file is damaged, or the server cannot be reached: nothing is done then.
    `copy`: what is written is not kept (see QueueStore and PostgresStore)."""
    environ = secrets_environment(site.root)
    url = server_url(site, environ)
    if url:
        return server_store(
            url, environ, copy=copy, where=QUEUE_URL if environ.get(QUEUE_URL) else "cmsite.toml"
        )
    path = queue_path(site)
    if not path.exists() and migrated(path).exists():  # a new empty queue would send it all again
        raise ContentErrors([_moved_away(site, path)])
    try:
        return QueueStore(path, copy=copy)
    except DamagedQueue as exc:
        raise ContentErrors([damaged_queue(site, path, str(exc))]) from None


def server_url(site: Site, environ: Mapping[str, str] | None = None) -> str | None:
    """The PostgreSQL store's address when the site uses one (CMSITE_QUEUE_URL over `[queue] url`)."""
    environ = secrets_environment(site.root) if environ is None else environ
    return environ.get(QUEUE_URL) or queue_settings(site.config).url


def queue_address(site: Site) -> str:
    """Which queue the site's commands sync: the server's address, or the SQLite file's path."""
    return server_url(site) or str(queue_path(site))


def published_links(site: Site) -> dict[str, list[tuple[str, str]]]:
    """Where each post was published: source → [(network, URL)], by network then time. From the
    SQLite file read-only, or, for a server's queue, as this build's `published_stamp_of` found
    them (or the last build that reached the server); empty when there is no queue or it cannot
    be read — a build never fails for the queue's sake."""
    url = server_url(site)
    if not url:
        return published_urls(queue_path(site))
    try:
        seen = json.loads((site.cache_dir / SERVER_STAMP).read_text(encoding="utf-8"))
        return {source: [(network, address) for network, address in links] for source, links in seen.items()}
    except (OSError, ValueError, TypeError, AttributeError):  # none yet, or an older cmsite's
        return {}


def published_stamp_of(site: Site) -> Path:
    """The file whose change tells a build that posts' copies on networks changed. Beside a
    SQLite queue, the one its store touches on every publish or delete. A server's publishers
    may run on other machines and touch nothing here: the file is then in the site's cache and
    holds the server's published links, asked for once per build by this call and written again
    when they differ from the ones it holds. While the server cannot be asked, the file stays
    as it is, and the pages keep the links the last build that reached it saw."""
    url = server_url(site)
    if not url:
        return published_stamp(queue_path(site))
    stamp = site.cache_dir / SERVER_STAMP
    # A command that writes nothing (`cmsite check`) would not keep the answer: it reads the file.
    links = None if site.read_only else _server_links(site, url)
    if links is not None:
        found: dict[str, list[tuple[str, str]]] = {}
        for source, network, address in links:
            found.setdefault(source, []).append((network, address))
        _write_if_changed(stamp, json.dumps(found, ensure_ascii=False, indent=0))
    return stamp


def _write_if_changed(path: Path, text: str) -> None:
    """`text` in `path`, whole or not at all (a write that fails leaves the last one)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _server_links(site: Site, url: str) -> list[tuple[str, str, str]] | None:
    """The server's published links, or None when it cannot be asked now."""
    try:
        store = server_store(url, secrets_environment(site.root), copy=False, where=QUEUE_URL)
    except ContentErrors:
        return None
    try:
        return store.published_links()
    except QueueUnreachable:
        return None
    finally:
        store.close()


def migrated(path: Path) -> Path:
    """Where `cmsite queue migrate` keeps the SQLite queue it copied to a server."""
    return path.with_name(path.name + ".migrated")


def _moved_away(site: Site, path: Path) -> ContentError:
    return ContentError(
        display_path(path, site.root),
        None,
        f"the queue was moved to a PostgreSQL database by `cmsite queue migrate` (the SQLite queue is kept as "
        f"{migrated(path).name}): set `[queue] url` in cmsite.toml, or CMSITE_QUEUE_URL, to that database "
        "on this machine too; nothing was sent nor changed",
    )


def server_store(url: str, environ: Mapping[str, str], *, copy: bool, where: str) -> PostgresStore:
    """The PostgreSQL store at `url`, or ContentErrors saying why not (the password never shown)."""
    from cmsite.queue.postgres import PostgresStore, is_server_url, shown_url

    password = environ.get(QUEUE_PASSWORD) or None
    if not is_server_url(url):
        message = (
            "the queue's url must be a PostgreSQL address, postgresql://USER@HOST[:PORT]/DATABASE, "
            f"not {shown_url(url)!r}"
        )
        raise ContentErrors([ContentError(where, None, Redactor([password or ""])(message))])
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise ContentErrors(
            [ContentError(where, None, "a PostgreSQL queue needs psycopg: pip install 'cmsite[postgres]'")]
        ) from None
    try:
        return PostgresStore(url, password=password, copy=copy)
    except QueueUnreachable as exc:
        raise ContentErrors(
            [ContentError(where, None, f"{exc}; nothing was sent nor changed, and the next run tries again")]
        ) from None
