"""The `cmsite` command line."""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import shlex
import sys
import time
from collections.abc import Iterator
from datetime import tzinfo
from functools import partial
from pathlib import Path
from typing import Any

import click

from cmsite import __version__
from cmsite.errors import ContentError, ContentErrors, PluginError
from cmsite.messages import agree, count

# When this interpreter started, as near as it can tell: the CPU time it has used so far is
# nearly all of its start-up and imports. Not the process's start from /proc: a shell runs the
# last command of `bash -c "… && cmsite build"` in its own process (exec), whose start is then
# the shell's, and the build reported the minutes `pip install` took before it.
_STARTED = time.perf_counter() - time.process_time()


class Progress:
    """A progress bar for long builds, shown only on a terminal; short builds stay quiet."""

    THRESHOLD = 500

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None and total >= self.THRESHOLD and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="Rendering", file=sys.stderr)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.done)
            self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _open_site(ctx: click.Context, *, as_json: bool = False, **options: Any) -> Any:
    from cmsite.site import Site

    try:
        return Site(ctx.obj["site"], **options)
    except ContentErrors as exc:
        _fail(exc.errors, as_json=as_json)
    except PluginError as exc:
        _plugin_failure(exc)


def _plugin_failure(exc: PluginError) -> None:
    click.secho(f"Error: {exc}", fg="red", err=True)
    sys.exit(1)


class PluginCommands(click.Group):
    """The `cmsite` group, plus the commands of the installed plugins the site lets load.

    They are loaded, once per invocation, when the commands are listed (`--help`) or a name
    that is not cmsite's own is looked up (the site is known by then), so `cmsite --version`
    and cmsite's own commands load no plugin for this; plugins must import heavy libraries
    (network SDKs) inside their functions, not at module level, so that `cmsite --help`
    and `cmsite build` import none of them (docs/performance.md, "Start-up").
    """

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        """This invocation's plugin commands; none while cmsite.toml cannot be read (see get_command)."""
        meta = ctx.find_root().meta
        if "cmsite.plugin_commands" not in meta:
            from cmsite.plugins import plugin_commands

            meta["cmsite.plugin_commands"], meta["cmsite.config_errors"] = {}, []
            try:
                commands = plugin_commands(self._site(ctx), self.commands)
            except ContentErrors as exc:
                meta["cmsite.config_errors"] = exc.errors
            except PluginError as exc:
                _plugin_failure(exc)
            else:
                meta["cmsite.plugin_commands"] = {command.name: command for command in commands}
        return meta["cmsite.plugin_commands"]

    def _site(self, ctx: click.Context) -> Path | None:
        """The --site folder, read from the environment or its default when --help comes first."""
        if "site" in ctx.params:
            return ctx.params["site"]
        option = next((param for param in self.params if param.name == "site"), None)
        return None if option is None else option.process_value(ctx, option.consume_value(ctx, {})[0])

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._plugin_commands(ctx)])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)
        errors = ctx.find_root().meta.get("cmsite.config_errors")  # None: plugins not looked up
        if command is None and errors:  # maybe a plugin's: which plugins may load is unknown
            _fail(errors, what="plugin commands are not available until cmsite.toml is fixed")
        return command


def _command_seconds() -> float:
    """Seconds since this command started."""
    return time.perf_counter() - _STARTED


def _warn(warnings: list[ContentError]) -> None:
    """What the build fixed by itself (`path:line: warning: …`), on stderr: the output is made all the same."""
    for warning in warnings:
        click.secho(str(warning), fg="yellow", err=True)


def _fail(errors: list[ContentError], *, as_json: bool = False, what: str = "nothing was written") -> None:
    if as_json:
        click.echo(json.dumps({"ok": False, "errors": [e.as_dict() for e in errors]}, indent=2))
    else:
        for error in errors:
            click.echo(str(error), err=True)
        click.secho(f"{count(len(errors), 'error', 'errors')}; {what}.", fg="red", err=True)
    sys.exit(1)


@click.group(cls=PluginCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cmsite")
@click.option(
    "--site",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    envvar="CMSITE_SITE",
    show_default=True,
    is_eager=True,  # known before --help lists the commands of the plugins this site loads
    help="The site folder (the one with cmsite.toml).",
)
@click.pass_context
def main(ctx: click.Context, site: Path) -> None:
    """cmsite: a blog and its social posts from one folder of Markdown."""
    ctx.obj = {"site": site}


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The site's title (default: \"My cmsite blog\", in the site's language).")
@click.option("--lang", help="The site's language, a code like en or fr (default: en).")
@click.option("--timezone", help="The zone of dates written without one, like Europe/Paris (default: UTC).")
@click.option("--url", help="Where the site will be published (default: https://example.org).")
@click.option("--author", help="Shown in the footer and the feeds (default: none).")
def new(directory: Path, **given: str | None) -> None:
    """Create a new site in DIRECTORY that builds at once.

    On a terminal, asks for each option not given; otherwise takes its default.
    """
    from cmsite import scaffold

    try:
        scaffold.check_target(directory)
        options = scaffold.settle_options(given, ask=sys.stdin.isatty(), environ=os.environ)
        written = scaffold.create_site(directory, options, scaffold.installed_networks(os.environ))
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    except PluginError as exc:
        _plugin_failure(exc)
    for path in written:
        click.echo(f"created {path}")
    if note := scaffold.fallback_note(options.lang):
        click.echo(note)
    command = scaffold.run_command(sys.argv[0], sys.executable)
    click.echo(f"\nNext: cd {shlex.quote(str(directory))} && {command} build")


@main.command()
@click.option("--drafts", is_flag=True, help="Include drafts (never for publishing).")
@click.option("--future", is_flag=True, help="Include posts dated in the future.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option(
    "--clean",
    is_flag=True,
    help="Write everything again and remove every other file of the output folder (kept as it was if the build fails).",
)
@click.pass_context
def build(ctx: click.Context, drafts: bool, future: bool, output: Path | None, clean: bool) -> None:
    """Render the site into the output folder (only files that changed are written)."""
    site = _open_site(ctx, drafts=drafts, future=future)
    progress = Progress()
    try:
        report = site.build(output, clean=clean, progress=progress)
    except ContentErrors as exc:
        progress.close()
        _fail(exc.errors)
    except PluginError as exc:
        progress.close()
        _plugin_failure(exc)
    progress.close()
    site.forget_builds()  # before the social plans are synced: the memory is better used there
    _warn(report.warnings)
    if site.networks:
        _sync(site, after=report)
    write = report.write
    out = report.output
    shown = out.relative_to(Path.cwd()) if out.is_absolute() and out.is_relative_to(Path.cwd()) else out
    seconds = _command_seconds()  # the whole command's, the sync's included: what the writer waited
    if report.nothing_changed:
        click.echo(f"Nothing changed since the last build ({seconds:.2f} s) → {shown}/")
    else:
        click.echo(
            f"Built {count(report.pages, 'page', 'pages')}, {count(report.feeds, 'feed', 'feeds')}, "
            f"{count(report.static, 'static file', 'static files')} in {seconds:.2f} s → {shown}/ "
            f"({count(report.rendered, 'page', 'pages')} rendered; {count(len(write.written), 'file', 'files')} "
            f"written, {write.unchanged} unchanged, {len(write.removed)} removed)"
        )
    click.echo(  # last, as the README says
        f"Look at it: python3 -m http.server --bind 127.0.0.1 --directory {shlex.quote(str(shown))} 8000"
        "  →  http://127.0.0.1:8000/ "
        "(or `cmsite serve`, which also rebuilds and reloads as you write)"
    )
    # When the process ends, Python's last garbage collection would walk every object of the
    # build only to find nothing to free (a tenth of a second at 1,000 posts).
    atexit.register(gc.freeze)


def _watch_options(command: Any) -> Any:
    """The options `cmsite serve` and `cmsite watch` share."""
    for option in reversed(
        [
            click.option(
                "--drafts", is_flag=True, help="Include drafts (their social posts are never queued)."
            ),
            click.option("--future", is_flag=True, help="Include posts dated in the future."),
            click.option(
                "--publish", is_flag=True, help="Also send due social posts, like `cmsite publish`."
            ),
            click.option(
                "-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Output folder."
            ),
        ]
    ):
        command = option(command)
    return command


@main.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@_watch_options
@click.pass_context
def serve(
    ctx: click.Context, port: int, drafts: bool, future: bool, publish: bool, output: Path | None
) -> None:
    """Build, serve on 127.0.0.1 and rebuild on every save; open pages reload by themselves.

    The output goes to .cmsite/serve/ unless -o says otherwise, so drafts shown here never
    reach the folder you deploy. The editorial calendar is at /_cmsite/calendar/, never in it.
    """
    from cmsite.serve.server import DevServer
    from cmsite.social.styling import COPIES

    def start(session: Any) -> Any:
        try:
            server = DevServer(
                session.output,
                session.hub,
                port=port,
                base_path=session.site.urls.base_path,
                calendar=session.calendar_page,
                social_images=session.site.cache_dir / COPIES,
            )
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another with --port"
            ) from None
        server.start()
        click.secho(f"Serving {server.url}  (Ctrl-C to stop)", fg="cyan", bold=True)
        click.echo(f"Editorial calendar: {server.calendar_url}")
        return server.stop

    from cmsite.site import CACHE_DIR

    _run_watch(ctx, drafts, future, publish, output or Path(ctx.obj["site"]) / CACHE_DIR / "serve", start)


@main.command()
@_watch_options
@click.pass_context
def watch(ctx: click.Context, drafts: bool, future: bool, publish: bool, output: Path | None) -> None:
    """Build, then rebuild on every save (into the output folder), without serving."""
    _run_watch(ctx, drafts, future, publish, output, lambda session: lambda: None)


def _run_watch(
    ctx: click.Context, drafts: bool, future: bool, publish: bool, output: Path | None, start: Any
) -> None:
    """Run a watch session until Ctrl-C; `start` begins serving and returns how to stop."""
    import signal
    import threading

    from cmsite.serve.publishing import PublishLoop
    from cmsite.serve.session import WatchSession
    from cmsite.site import Site

    def say(text: str, *, fg: str | None = None) -> None:
        click.secho(text, fg=fg, err=fg in ("red", "yellow"))

    try:
        session = WatchSession(lambda: Site(ctx.obj["site"], drafts=drafts, future=future), output, say=say)
    except ContentErrors as exc:
        _fail(exc.errors, what="fix them and start again")
    except PluginError as exc:
        _plugin_failure(exc)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop_serving = start(session)  # a port in use fails now, before the first build
    session.start()
    publisher = PublishLoop(session) if publish else None
    if publisher:
        publisher.start()
    click.echo(f"Watching {session.site.root} for changes…")
    try:
        session.run(stop)
    except KeyboardInterrupt:
        click.echo("\nStopped.")
    finally:
        if publisher:
            publisher.stop()
        session.close()
        stop_serving()


@main.command()
@click.option("--drafts", is_flag=True, help="Check drafts as if they were published.")
@click.option("--future", is_flag=True, help="Check future posts as if they were published.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def check(ctx: click.Context, drafts: bool, future: bool, as_json: bool) -> None:
    """Validate every content file and template; write nothing."""
    site = _open_site(ctx, drafts=drafts, future=future, as_json=as_json, strict=True, read_only=True)
    queue_warnings: list[str] = []
    try:
        from cmsite.queue.service import sync_warnings
        from cmsite.render.builder import check_site
        from cmsite.social.accounts import mark_unset_settings, secrets_environment
        from cmsite.social.planner import planned_posts
        from cmsite.social.site_url import mark_site_url

        plan = check_site(site)
        social = planned_posts(site)
        social_warnings = mark_site_url(site, social)
        social_warnings += mark_unset_settings(site, social, secrets_environment(site.root))
        problems = [error for post in social for error in post.problems()]
        if problems:
            raise ContentErrors(problems)
        if site.networks:  # the queue is read, never written: a damaged one is an error here too
            queue_warnings = sync_warnings(site, social)
    except ContentErrors as exc:
        _fail(exc.errors, as_json=as_json, what="fix them and run `cmsite check` again")
    except PluginError as exc:
        _plugin_failure(exc)
    warnings = [*site.warnings, *social_warnings]
    if not as_json:
        _warn(warnings)
        for warning in queue_warnings:
            click.secho(f"warning: {warning}", fg="yellow", err=True)
    summary = {
        "ok": True,
        "errors": [],
        "items": len(site.items),
        "posts": len(site.posts),
        "pages": len(site.pages),
        "drafts": sum(i.draft for i in site.items),
        "future": sum(1 for i in site.items if not i.draft and not site.is_published(i)),
        "outputs": len(plan.targets),
        "social_posts": len(social),
        "warnings": [warning.as_dict() for warning in warnings],
        "queue_warnings": queue_warnings,
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(
            f"OK: {count(summary['items'], 'file', 'files')} checked — {count(summary['posts'], 'post', 'posts')} "
            f"and {count(summary['pages'], 'page', 'pages')} published, {count(summary['drafts'], 'draft', 'drafts')}, "
            f"{summary['future']} scheduled for later; "
            f"{count(summary['social_posts'], 'social post', 'social posts')} planned."
        )


@main.command()
@click.option(
    "--all", "show_all", is_flag=True, help="Include cmsite's built-in plugins and those disabled, with why."
)
@click.option("--hook", "hook_name", help="Only plugins that implement this hook, in call order.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def plugins(ctx: click.Context, show_all: bool, hook_name: str | None, as_json: bool) -> None:
    """List plugins: name, distribution, version, where they come from, and their hooks."""
    from cmsite.plugins import listing

    pm = _plugin_manager(ctx, as_json=as_json)
    if hook_name is not None and pm.implementers(hook_name) is None:
        raise click.BadParameter(f"no hook named {hook_name!r}", param_hint="--hook")
    rows = listing(pm, show_all=show_all, hook_name=hook_name)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        _show_plugins(rows, [] if show_all or hook_name else list(pm.skipped))


def _plugin_manager(ctx: click.Context, *, as_json: bool) -> Any:
    """The site's plugins (its settings checked) in a site's folder; elsewhere, the installed ones."""
    from cmsite.config import CONFIG_NAME
    from cmsite.plugins import make_plugin_manager, site_selection

    if (ctx.obj["site"] / CONFIG_NAME).is_file():
        return _open_site(ctx, as_json=as_json).pm
    try:
        return make_plugin_manager(site_selection(None, os.environ))
    except PluginError as exc:
        _plugin_failure(exc)


def _show_plugins(rows: list[dict[str, Any]], disabled: list[str]) -> None:
    """The rows for a person; the names of the plugins left out, which only --all details."""
    if not rows:
        click.echo("No plugins besides the built-in ones (`cmsite plugins --all` lists them).")
    for row in rows:
        origin = row["path"] or f"{row['distribution'] or '?'} {row['version'] or ''}".strip()
        click.echo(f"{row['name']}  ({row['source']}: {origin})")
        click.echo(f"    {row['disabled'] or 'hooks: ' + (', '.join(row['hooks']) or 'none')}")
    if disabled:
        click.echo(f"Disabled: {', '.join(disabled)} (`cmsite plugins --all` says why).")


@main.group()
def plugin() -> None:
    """Create plugins."""


@plugin.command("new")
@click.argument("name")
@click.option(
    "--dir", "parent", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True
)
def plugin_new(name: str, parent: Path) -> None:
    """Create an installable plugin distribution cmsite-NAME/ with an entry point and a test."""
    from cmsite.plugin_scaffold import create_plugin

    try:
        written = create_plugin(parent, name)
    except (ValueError, FileExistsError) as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"created {path}")
    folder = written[0].parent
    click.echo(f"\nNext: pip install -e {folder} && cmsite plugins")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--drafts", is_flag=True, help="Also the plans of drafts (never sent before the post is published)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the planned posts as JSON.")
@click.option("--since", metavar="REF", help="Only the social posts added, changed or removed since git REF.")
@click.option("--markdown", is_flag=True, help="With --since: print Markdown, to paste as a review comment.")
@click.pass_context
def preview(
    ctx: click.Context,
    paths: tuple[Path, ...],
    drafts: bool,
    as_json: bool,
    since: str | None,
    markdown: bool,
) -> None:
    """Show every planned social post as it will be sent: text, length, time, warnings, errors,
    and why one will not be sent (its post not published yet, expired, cancelled, already sent)."""

    if since is not None or markdown:
        _preview_since(ctx, since, paths, drafts=drafts, as_json=as_json, markdown=markdown)
        return
    from cmsite.queue.outlook import not_sent
    from cmsite.social.selection import planned_in
    from cmsite.social.site_url import mark_site_url

    site = _open_site(ctx, as_json=as_json, drafts=drafts)
    again = "fix them and run `cmsite preview` again"
    posts, empty = _planned(site, as_json=as_json, what=again), []
    mark_site_url(site, posts)
    with _planning_errors(as_json=as_json, what=again):
        unsent = not_sent(site, posts)  # a damaged queue database is an error
        if paths:
            posts, empty = planned_in(site, posts, paths)
    copies = _social_copies(site, posts)
    if as_json:
        rows = [
            {**_preview_row(post, site.config.tz, copies[n]), "not_sent": unsent.get(post.id)}
            for n, post in enumerate(posts)
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for n, post in enumerate(posts):
            _show_planned(post, site.config, unsent.get(post.id), copies[n])
        for path in empty:
            click.echo(f"{path} plans no social posts.")
        planned = count(len(posts), "planned social post", "planned social posts")
        click.echo(f"{planned}, {sum(bool(p.errors) for p in posts)} with errors.")
    if any(p.errors for p in posts):
        sys.exit(1)


def _preview_since(
    ctx: click.Context,
    since: str | None,
    paths: tuple[Path, ...],
    *,
    drafts: bool,
    as_json: bool,
    markdown: bool,
) -> None:
    """`preview --since REF --markdown` (or `--json`): the posts a branch adds, changes or removes."""
    from cmsite.queue.review import ReviewError, review
    from cmsite.queue.review import markdown as as_markdown

    if since is None or as_json == markdown:
        raise click.UsageError("--since REF prints either Markdown (--markdown) or JSON (--json)")
    if paths:
        raise click.UsageError("--since compares the whole site: give no PATH")
    site = _open_site(ctx, as_json=as_json, drafts=drafts)
    with _planning_errors(as_json=as_json, what="fix them and run `cmsite preview` again"):
        site.load()
        try:
            found = review(site, since)
        except ReviewError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        rows = [change.as_dict(site.config.tz) for change in found.changes]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        click.echo(as_markdown(site, found), nl=False)
    if found.broken:
        sys.exit(1)


def _social_copies(site: Any, posts: list[Any]) -> list[list[dict[str, str] | None]]:
    """Each post's pictures as its network gets them (`[social.images]`): the copy's file and the
    address `cmsite serve` shows it at, or None for a picture sent as it is."""
    from cmsite.social.styling import preview_copies, served_at

    return [
        [{"path": str(c), "url": served_at(site, c)} if c else None for c in preview_copies(site, post)]
        for post in posts
    ]


def _preview_row(post: Any, tz: tzinfo, copies: list[dict[str, str] | None]) -> dict[str, Any]:
    """A planned post as `cmsite preview --json` prints it; a plan that could not be read has no time.
    Each picture's `copy` is the file its network gets (None: the picture as it is)."""
    return {
        "id": post.id, "source": post.source, "line": post.line, "network": post.network,
        "account": post.account, "at": post.at.astimezone(tz).isoformat() if post.id else None,
        "status": post.status, "texts": post.written, "lengths": post.lengths, "limit": post.limit,
        "media": [{**m.__dict__, "copy": copy} for m, copy in zip(post.media, copies, strict=True)],
        "warnings": post.warnings,
        "errors": [e.as_dict() for e in post.errors],
        "repetition": post.repetition, "repetitions": post.repetitions,
    }  # fmt: skip


def _show_planned(
    post: Any, config: Any, unsent: str | None = None, copies: list[dict[str, str] | None] | None = None
) -> None:
    """A planned post for a person: where, when and how long, each text as sent and its pictures
    (with the `copies` its network gets), then why it will not be sent (`unsent`), and its problems."""
    where = f"{post.source}:{post.line}" if post.line else post.source
    if post.id:
        when = post.at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
        counts = ", ".join(f"{n}/{post.limit}" for n in post.lengths)
        click.secho(
            f"{post.network} ({post.account}) · {when} {config.timezone} · {counts} · {where}"
            f"{_repetition(post)}",
            bold=True,
        )
        _show_texts(post, copies or [None] * len(post.media))
    else:
        click.secho(where, bold=True)
    if unsent:
        click.secho(f"  ⊘ {unsent}", fg="yellow")
    for warning in post.warnings:
        click.secho(f"  ! {warning}", fg="yellow")
    for error in post.errors:
        click.secho(f"  ✗ {error}", fg="red")
    click.echo()


def _repetition(post: Any) -> str:
    """Which post of a repeated plan (`repeat:`) this one is."""
    if not post.repetitions:
        return ""
    if not post.repetition:
        return f" · then repeated {count(post.repetitions, 'time', 'times')}"
    return f" · repeat {post.repetition} of {post.repetitions}"


def _show_texts(post: Any, copies: list[dict[str, str] | None]) -> None:
    """Each post of the thread as it will be sent, numbered when there are several, and its pictures."""
    for number, text in enumerate(post.written, 1):
        if len(post.written) > 1:
            click.echo(f"  [{number}/{len(post.written)}]")
        click.echo("\n".join("  │ " + line for line in text.splitlines()))
    for media, copy in zip(post.media, copies, strict=True):
        click.echo(f"  + picture {media.path} — alt: {media.alt or '(none)'}")
        if copy:
            click.echo(f"    sent as {copy['path']} (in `cmsite serve`: {copy['url']})")


@main.command()
@click.argument("month", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print every field of every entry as JSON.")
@click.option("--ics", "as_ics", is_flag=True, help="Print the month as an iCalendar (.ics) file.")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write calendar.ics, calendar.json and index.html (the HTML calendar) into this folder.",
)
@click.option(
    "--approve", "approve_month", metavar="MONTH", help="Approve every entry of MONTH awaiting approval."
)
@click.option("--by", help="With --approve: who approved the month (required).")
@click.option("--note", default="", help="With --approve: what they said, kept with each approval.")
@click.pass_context
def calendar(
    ctx: click.Context,
    month: str | None,
    as_json: bool,
    as_ics: bool,
    output: Path | None,
    approve_month: str | None,
    by: str | None,
    note: str,
) -> None:
    """Every blog post (published, draft, future) and social post of MONTH (YYYY-MM; default:
    this month), by day in the site's zone. Writes nothing but the -o folder (and, with
    --approve, the approvals in the queue)."""
    from cmsite.calendar import output as views
    from cmsite.calendar.model import month_entries, month_of

    if approve_month is not None:
        _approve_month(ctx, approve_month, by, note, as_json=as_json)
        return
    if as_json and as_ics:
        raise click.UsageError("--json and --ics print different things: choose one")
    site = _open_site(ctx, as_json=as_json, read_only=True)
    try:
        shown = month_of(site, month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="MONTH") from None
    with _planning_errors(as_json=as_json, what="nothing was written"):
        site.load()
        entries = month_entries(site, shown)
        written = views.write_folder(site, shown, entries, output) if output else []
    if as_json:
        click.echo(json.dumps(views.month_json(site, shown, entries), indent=2, ensure_ascii=False))
    elif as_ics:
        click.echo(views.month_ics(site, shown, entries), nl=False)
    else:
        click.echo("\n".join(views.text_lines(site, shown, entries)))
    for path in written:
        click.echo(f"wrote {path}", err=True)


@main.command()
@click.argument("month", required=False)
@click.option(
    "--format",
    "formats",
    default="html,csv,json",
    show_default=True,
    help="Any of html, pdf, csv, json, comma-separated.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="The folder.  [default: [report] output, reports/]",
)
@click.option(
    "--from",
    "data_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Make the report again from its data file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
@click.pass_context
def report(
    ctx: click.Context,
    month: str | None,
    formats: str,
    output: Path | None,
    data_file: Path | None,
    as_json: bool,
) -> None:
    """The report of MONTH (YYYY-MM; default: last month) for a client: blog, social posts,
    engagement and audience, each figure beside the previous month's, from the snapshots that
    `cmsite metrics --collect` keeps. Writes report-MONTH.* and the data file that makes the
    same report again (`--from`); reads the queue, never changes it."""
    from cmsite.calendar.model import Month
    from cmsite.report import DataError, month_report
    from cmsite.report import output as views
    from cmsite.report.html import PdfUnavailable

    asked = tuple(dict.fromkeys(f.strip() for f in formats.split(",") if f.strip()))
    if unknown := [f for f in asked if f not in views.FORMATS]:
        raise click.BadParameter(
            f"{', '.join(unknown)}: the formats are {', '.join(views.FORMATS)}", param_hint="--format"
        )
    try:
        wanted = Month.parse(month) if month else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="MONTH") from None
    site = _open_site(ctx, as_json=as_json, read_only=True)
    folder = output or site.root / site.settings["report"]["output"]
    with _planning_errors(as_json=as_json, what="no report was written"):
        try:
            made = month_report(site, wanted, data_file)
            files = views.report_files(site, made, asked, folder)
        except DataError as exc:
            raise click.BadParameter(
                f"{data_file} is not a report's data file: {exc}", param_hint="--from"
            ) from None
        except PdfUnavailable as exc:
            raise click.ClickException(f"{exc}; no report was written") from None
    try:
        written = views.write_files(folder, files)
    except OSError as exc:
        raise click.ClickException(
            f"cannot write the report in {folder}: {exc.strerror or exc}; choose another folder with -o"
        ) from None
    if as_json:
        click.echo(
            json.dumps(
                {**views.report_json(made), "files": [str(p) for p in written]}, indent=2, ensure_ascii=False
            )
        )
        return
    click.echo("\n".join(views.summary_lines(made)))
    for path in written:
        click.echo(f"wrote {path}", err=True)


def _approve_month(ctx: click.Context, month: str, by: str | None, note: str, *, as_json: bool) -> None:
    """`calendar --approve MONTH --by NAME`: the month's entries awaiting approval, approved at once."""
    from cmsite.calendar.model import Month
    from cmsite.queue.service import approve_month

    if not by:
        raise click.UsageError("--approve needs --by NAME: who approved the month")
    try:
        wanted = Month.parse(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--approve") from None
    site = _open_site(ctx, as_json=as_json)
    store, report = _sync(site, as_json=as_json, quiet=True)
    with _refusals(as_json=as_json):
        done = approve_month(site, store, report.waiting, wanted, by=by, note=note)
    if not done and not as_json:
        click.echo(f"Nothing in {wanted} waits for approval.")
    _show_approved(site, done, as_json=as_json)


def _queue(site: Any, *, as_json: bool = False) -> Any:
    """The site's queue store; from here on, no library's log line shows a credential."""
    from cmsite.queue.location import open_store
    from cmsite.queue.service import redactor

    redactor(site).guard_logging()
    with _planning_errors(as_json=as_json, what="the queue was not changed"):  # a damaged database
        return open_store(site)


@contextlib.contextmanager
def _refusals(*, as_json: bool = False, entry_id: str | None = None) -> Iterator[None]:
    """A queue command that cannot be done: its reason, as an error or as JSON, and exit 1."""
    from cmsite.queue.service import QueueError

    try:
        yield
    except QueueError as exc:
        if not as_json:
            raise click.ClickException(str(exc)) from None
        click.echo(json.dumps({"ok": False, "id": entry_id, "error": str(exc)}, indent=2, ensure_ascii=False))
        sys.exit(1)


def _planned(site: Any, *, as_json: bool, what: str) -> Any:
    """Every planned social post, by time, the content loaded first; stop on errors."""
    from cmsite.social.planner import planned_posts

    with _planning_errors(as_json=as_json, what=what):
        site.load()
        return planned_posts(site)


@contextlib.contextmanager
def _planning_errors(*, as_json: bool, what: str) -> Iterator[None]:
    """Content and plugin errors met while loading or planning: reported, and the command stops."""
    try:
        yield
    except ContentErrors as exc:
        _fail(exc.errors, as_json=as_json, what=what)
    except PluginError as exc:
        _plugin_failure(exc)


def _sync(site: Any, *, as_json: bool = False, quiet: bool = False, after: Any = None) -> Any:
    """Bring the queue in step with the plans, and say what changed; the store and the report.

    The plans are made one at a time as the sync takes them in, after loading the content.
    `after` a build (its report): only the plans of the files changed since the last sync, with
    the content that build loaded (a build that skipped loaded none: it is loaded if needed)."""
    from cmsite.queue.changes import sync_changes
    from cmsite.queue.location import queue_address

    store = None if after is not None else _queue(site, as_json=as_json)  # after a build: if needed
    with _planning_errors(as_json=as_json, what="the queue was not changed"):
        if store is None:
            opener = partial(_queue, site, as_json=as_json)
            report = sync_changes(site, opener, queue_address(site), loaded=after.loaded, inputs=after.inputs)
        else:
            from cmsite.queue.sync import sync_site
            from cmsite.social.planner import each_planned_post

            site.load()
            report = sync_site(site, store, each_planned_post(site))
    broken = report.broken
    if broken and not quiet and not as_json:
        click.secho(
            f"warning: {count(broken, 'social plan has', 'social plans have')} errors and "
            f"{agree(broken, 'is', 'are')} not queued; `cmsite check` shows them",
            fg="yellow",
            err=True,
        )
    if not quiet and not as_json:
        for line in report.lines(site.config.tz):
            click.echo(line, err=True)
        for warning in report.warnings:
            click.secho(f"warning: {warning}", fg="yellow", err=True)
    return store, report


@main.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Also published, cancelled and deleted entries.")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@click.pass_context
def queue(ctx: click.Context, show_all: bool, as_json: bool) -> None:
    """Every planned social post: queued, waiting for its post's date or an approval, expired,
    failed; (with --all) published, cancelled and deleted. Each says why it is held, and what to do."""
    if ctx.invoked_subcommand is not None:
        return
    from cmsite.queue.outlook import queue_rows

    site = _open_site(ctx, as_json=as_json)
    store, report = _sync(site, as_json=as_json)
    rows = queue_rows(site, store, report.waiting, show_all=show_all)
    tz = site.config.tz
    if as_json:
        click.echo(json.dumps([row.as_dict(tz) for row in rows], indent=2, ensure_ascii=False))
        return
    for row in rows:
        entry = row.entry
        when = entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        words = " ".join(entry.texts[0].split()[:8]) if entry.texts else ""
        click.echo(f"{entry.id}  {when}  {row.status:<9} {entry.network:<10} {entry.account:<8} {words}…")
        if row.reason:  # why it is held, and what to do; where a sent one is
            colour = {"failed": "red", "unknown": "red", "published": None, "deleted": None}
            click.secho(f"    {row.reason}", fg=colour.get(row.status, "yellow"))
        if row.approval.approval and not row.approval.stale:
            _show_approval(row.approval.approval, tz)
    click.echo(f"{count(len(rows), 'entry', 'entries')} ({site.config.timezone}).")


def _entry_command(name: str, help_text: str) -> None:
    @queue.command(name, help=help_text)
    @click.argument("entry_id")
    @click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
    @click.pass_context
    def command(ctx: click.Context, entry_id: str, as_json: bool) -> None:
        from cmsite.queue.service import change, told

        site = _open_site(ctx, as_json=as_json)
        with _refusals(as_json=as_json, entry_id=entry_id):
            done = change(_queue(site, as_json=as_json), name, entry_id)
        if as_json:
            click.echo(json.dumps({"ok": True, "id": entry_id, "done": name}, indent=2))
            return
        click.echo(told(done, site))


def _show_approval(approval: Any, tz: tzinfo) -> None:
    from cmsite.queue.outlook import approved_by

    note = f": “{approval.note}”" if approval.note else ""
    click.secho(f"    ✓ {approved_by(approval, tz)}{note}", fg="green")


@queue.command("approve")
@click.argument("entry_ids", nargs=-1, required=True)
@click.option("--by", help="Who approves (default: `git config user.name`, else your login name).")
@click.option("--note", default="", help="What they said, kept with the approval.")
@click.option("--json", "as_json", is_flag=True, help="Print the approvals as JSON.")
@click.pass_context
def queue_approve(
    ctx: click.Context, entry_ids: tuple[str, ...], by: str | None, note: str, as_json: bool
) -> None:
    """Approve entries (or plans waiting for their post) as they are now: who, when (UTC) and
    the note are recorded; a later change of text, pictures or time needs approval again."""
    from cmsite.queue.approvals import default_approver
    from cmsite.queue.service import approve

    site = _open_site(ctx, as_json=as_json)
    store, report = _sync(site, as_json=as_json, quiet=True)  # approve what the plans say now
    with _refusals(as_json=as_json, entry_id=" ".join(entry_ids)):
        done = approve(
            site,
            store,
            report.waiting,
            entry_ids,
            by=default_approver(site.root) if by is None else by,
            note=note,
        )
    _show_approved(site, done, as_json=as_json)


def _show_approved(site: Any, done: list[Any], *, as_json: bool) -> None:
    """What `queue approve` and `calendar --approve` recorded."""
    from cmsite.queue.service import told

    if as_json:
        rows = [{"id": change.entry.id, **change.approval.as_dict()} for change in done]
        click.echo(
            json.dumps({"ok": True, "done": "approve", "approved": rows}, indent=2, ensure_ascii=False)
        )
        return
    for change in done:
        click.echo(told(change, site))


_entry_command(
    "retry",
    "Send a failed or unknown entry again at the next publish (check the network first for an unknown one).",
)
_entry_command(
    "cancel", "Never send this entry, even while its plan stays in the Markdown (retry undoes it)."
)


@queue.command("found")
@click.argument("entry_id")
@click.option("--url", default="", help="The post's address on the network, to record with it.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def queue_found(ctx: click.Context, entry_id: str, url: str, as_json: bool) -> None:
    """An unknown entry's post is on the network (you looked): record it, and send the rest of its thread."""
    from cmsite.queue.service import found

    site = _open_site(ctx, as_json=as_json)
    with _refusals(as_json=as_json, entry_id=entry_id):
        done = found(_queue(site, as_json=as_json), entry_id, url)
    if as_json:
        click.echo(json.dumps({"ok": True, "id": entry_id, "done": "found"}, indent=2))
        return
    left = len(done.entry.texts) - len(done.entry.parts) - 1
    rest = f"; the next publish sends the rest of its thread ({left} more)" if left else ""
    click.echo(f"{entry_id}: recorded as on {done.entry.network}{rest}")


@queue.command("delete")
@click.argument("entry_id")
@click.option(
    "--by-hand",
    is_flag=True,
    help="The post was already removed on the network (by hand, in its app): record it as deleted, ask nothing.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def queue_delete(ctx: click.Context, entry_id: str, by_hand: bool, as_json: bool) -> None:
    """Take a published post down from its network; the entry stays, as deleted, and is never sent again."""
    from cmsite.queue.service import delete

    site = _open_site(ctx, as_json=as_json)
    with _refusals(as_json=as_json, entry_id=entry_id):
        done = delete(site, _queue(site, as_json=as_json), entry_id, by_hand=by_hand)
    entry = done.entry
    if as_json:
        row = {key: entry.as_dict()[key] for key in ("id", "network", "account", "source", "remote_id")}
        row.update(ok=True, status="deleted", url=entry.remote_url, warnings=done.warnings)
        click.echo(json.dumps(row, indent=2, ensure_ascii=False))
        return
    where = entry.remote_url or entry.remote_id
    verb = "recorded as deleted by hand on" if by_hand else "deleted from"
    click.echo(f"{entry.id}: {verb} {done.label} ({where}); {entry.source} will not send it again")
    for warning in done.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


@queue.command("migrate")
@click.option("--to", "url", required=True, help="The empty PostgreSQL database: postgresql://USER@HOST/DB.")
@click.pass_context
def queue_migrate(ctx: click.Context, url: str) -> None:
    """Copy the SQLite queue, whole (ids, states, approvals, counts), into an empty PostgreSQL
    database, and keep the SQLite file aside; its password comes from CMSITE_QUEUE_PASSWORD (docs/teams.md)."""
    from cmsite.errors import display_path
    from cmsite.queue.service import migrate

    site = _open_site(ctx)
    with _refusals(), _planning_errors(as_json=False, what="nothing was copied"):
        done = migrate(site, url)
    click.echo(
        f"copied {count(done.entries, 'entry', 'entries')}, {count(done.approvals, 'approval', 'approvals')} "
        f"and {count(done.snapshots, 'snapshot', 'snapshots')} to {done.url}; the SQLite queue is kept as "
        f'{display_path(done.kept, site.root)}.\nNow set `[queue] url = "{done.url}"` in cmsite.toml (or '
        "CMSITE_QUEUE_URL) on every machine that publishes, with the password in CMSITE_QUEUE_PASSWORD."
    )


@main.command()
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send nothing.")
@click.option("--until", "until", help="Send what is due up to this time (site's zone), not only now.")
@click.option("--only", "only", help="Send only this entry id.")
@click.option(
    "--no-lock",
    is_flag=True,
    help="Skip the lock file (several publishers sharing one store; leases keep them apart).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as JSON.")
@click.pass_context
def publish(
    ctx: click.Context, dry_run: bool, until: str | None, only: str | None, no_lock: bool, as_json: bool
) -> None:
    """Send every due social post, exactly once. Exit 1 if any failed. Made for cron."""
    from cmsite.content.dates import parse_date
    from cmsite.queue.service import publish as publish_due

    site = _open_site(ctx, as_json=as_json)
    limit = None
    if until:
        try:
            limit = parse_date(until, site.config.tz)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--until") from None
    store, _ = _sync(site, as_json=as_json, quiet=True)
    # a placeholder [site] url; a queue database lost half-way (a QueueError that says what was left)
    with _planning_errors(as_json=as_json, what="nothing was sent"), _refusals(as_json=as_json):
        done = publish_due(site, store, until=limit, only=only, dry_run=dry_run, lock=not no_lock)
    if done.locked_out:
        click.echo("another cmsite publish is running on this site; nothing to do", err=True)
        return
    if as_json:
        click.echo(json.dumps([o.as_dict() for o in done.outcomes], indent=2, ensure_ascii=False))
    else:
        _show_unready(done)
        for outcome in done.outcomes:
            if outcome.status != "held":
                click.echo(str(outcome))
        sent = sum(o.status == "published" for o in done.outcomes)
        attention = sum(o.status in ("failed", "unknown") for o in done.outcomes)
        held = sum(o.status == "held" for o in done.outcomes)
        click.echo(
            f"{sent} published, {attention} {agree(attention, 'needs', 'need')} attention"
            + (f", {held} held." if held else ".")
        )
    if done.failed:
        sys.exit(1)


def _show_unready(done: Any) -> None:
    """Each account whose entries were held, once, with everything it lacks."""
    for (network, account), problems in done.unready.items():
        held = sum(o.status == "held" and (o.network, o.account) == (network, account) for o in done.outcomes)
        click.secho(
            f"held: {count(held, 'entry', 'entries')} of {network} ({account}), kept queued until the account is set:",
            fg="red",
        )
        for problem in problems:
            click.secho(f"  - {problem}", fg="red")
    if done.unready:
        click.echo("`cmsite accounts` checks every account, and asks each network whether it accepts it.")


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
@click.pass_context
def accounts(ctx: click.Context, as_json: bool) -> None:
    """Check every network account: its credentials and settings are set, and its network accepts
    them (one read-only request each: nothing is posted). Exit 1 if any has a problem."""
    if ctx.invoked_subcommand is not None:
        return
    from cmsite.queue.service import redactor
    from cmsite.social.accounts import check_accounts

    site = _open_site(ctx, as_json=as_json)
    redactor(site).guard_logging()
    with _planning_errors(as_json=as_json, what="the accounts were not checked"):
        checks = check_accounts(site)
    if as_json:
        rows = [check.as_dict() for check in checks]
        click.echo(
            json.dumps({"ok": all(c.ok for c in checks), "accounts": rows}, indent=2, ensure_ascii=False)
        )
    else:
        _show_accounts(checks)
    if not all(check.ok for check in checks):
        sys.exit(1)


def _show_accounts(checks: list[Any]) -> None:
    from cmsite.social.accounts import MISSING, REFUSED

    if not checks:
        click.echo(
            "No network account is set up: add a [networks.NAME] table to cmsite.toml, or plan a post on a network."
        )
        return
    width = max(len(f"{c.network} ({c.account})") for c in checks)
    colours = {"accepted": "green", "unchecked": "yellow"}
    for check in checks:
        who = f"{check.network} ({check.account})"
        click.secho(
            f"{who:<{width}}  {check.state} {check.name}".rstrip(), fg=colours.get(check.state, "red")
        )
        for detail in check.details:
            click.echo(f"    {detail}")
        if check.state in (MISSING, REFUSED):
            other = "" if check.account == "default" else f" --account {check.account}"
            click.echo(f"    `cmsite accounts login {check.network}{other}` connects it")
    problems = sum(not check.ok for check in checks)
    click.echo(f"{count(len(checks), 'account', 'accounts')}, {problems} with problems.")


@accounts.command("login")
@click.argument("network")
@click.option("--account", default="default", show_default=True, help="The account, as plans name it.")
@click.pass_context
def accounts_login(ctx: click.Context, network: str, account: str) -> None:
    """Connect an account: the network's own authorisation (Mastodon's OAuth, X's PIN) or a
    token pasted, checked with the network (read-only), then written to the site's .env
    (mode 0600). Exit 1 if the network refused it: nothing is written then."""
    from cmsite.social.login import LoginError, TerminalPrompt, log_in

    site = _open_site(ctx)
    try:
        done = log_in(site, network, account, TerminalPrompt())
    except LoginError as exc:
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(1)
    for note in done.notes:
        click.echo(note)
    who = f" as {done.name}" if done.name else ""
    click.secho(
        f"{done.label} account {account!r} connected{who}: {', '.join(done.variables)} written to .env.",
        fg="green",
    )


@main.command()
@click.option("--collect", is_flag=True, help="Keep the counts as snapshots in the state store (for cron).")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    help="Posts published this many days back.  [default: [metrics] days, 30]",
)
@click.option("--history", is_flag=True, help="Print the snapshots kept so far; ask no network.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_context
def metrics(ctx: click.Context, collect: bool, days: int | None, history: bool, as_json: bool) -> None:
    """Ask each network how the recently published posts are doing (likes, reposts, replies…)
    and what the accounts' figures are (followers…); `--collect` keeps them for `cmsite report`.
    Exit 1 if a network refused or failed."""
    from cmsite.queue import metrics as counting

    site = _open_site(ctx, as_json=as_json)
    store = _queue(site, as_json=as_json)
    if history:
        kept = [snapshot.as_dict() for snapshot in store.snapshots()]
        if as_json:
            click.echo(json.dumps({"snapshots": kept}, indent=2, ensure_ascii=False))
        for row in [] if as_json else kept:
            click.echo(
                f"{row['taken']}  {row['network']} ({row['account']})  {row['entry'] or 'account'}  {row['metric']} {row['value']}"
            )
        return
    done = counting.collect(site, store, record=collect, days=days)
    if as_json:
        readings = [reading.as_dict() for reading in done.readings]
        click.echo(json.dumps({"taken": done.taken.isoformat(), "days": done.days, "recorded": done.recorded,
                               "ok": not done.failed, "readings": readings}, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        for line, problem in counting.reading_lines(done):
            click.secho(line, fg="yellow" if problem else None, err=problem)
    sys.exit(1 if done.failed else 0)
