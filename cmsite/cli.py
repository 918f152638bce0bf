"""The `cmsite` command line."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from cmsite import __version__
from cmsite.errors import ContentError, ContentErrors
from cmsite.plugins import PluginError


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
    """The `cmsite` group, plus the commands of installed plugins, loaded on first use.

    Loading waits until a command is looked up, so `cmsite --version` stays instant;
    plugins must import heavy libraries (network SDKs) inside their functions, not at
    module level, so that `cmsite --help` and `cmsite build` import none of them.
    """

    _loaded = False

    def _load_plugin_commands(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        from cmsite.plugins import PluginSelection, call_each, make_plugin_manager

        builtin = set(self.commands)
        owners = dict.fromkeys(builtin, "cmsite")
        try:
            pm = make_plugin_manager(PluginSelection.from_settings(None, (), None, os.environ))
            for plugin, commands in call_each(pm, "cmsite_commands"):
                for command in commands:
                    if command.name in owners:
                        raise PluginError(
                            f"plugin {plugin} adds the command {command.name!r}, "
                            f"which {owners[command.name]} already has; rename one"
                        )
                    owners[command.name] = plugin
                    self.add_command(command)
        except PluginError as exc:
            _plugin_failure(exc)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugin_commands()
        return super().get_command(ctx, name)


def _fail(errors: list[ContentError], *, as_json: bool = False, what: str = "nothing was written") -> None:
    if as_json:
        click.echo(json.dumps({"ok": False, "errors": [e.as_dict() for e in errors]}, indent=2))
    else:
        for error in errors:
            click.echo(str(error), err=True)
        noun = "error" if len(errors) == 1 else "errors"
        click.secho(f"{len(errors)} {noun}; {what}.", fg="red", err=True)
    sys.exit(1)


@click.group(cls=PluginCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cmsite")
@click.option(
    "--site",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    envvar="CMSITE_SITE",
    show_default=True,
    help="The site folder (the one with cmsite.toml).",
)
@click.pass_context
def main(ctx: click.Context, site: Path) -> None:
    """cmsite: a blog and its social posts from one folder of Markdown."""
    ctx.obj = {"site": site}


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="My cmsite blog", help="The new site's title.")
def new(directory: Path, title: str) -> None:
    """Create a new site in DIRECTORY that builds at once."""
    from cmsite.scaffold import create_site

    try:
        written = create_site(directory, title)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"\nNext: cd {directory} && cmsite build")


@main.command()
@click.option("--drafts", is_flag=True, help="Include drafts (never for publishing).")
@click.option("--future", is_flag=True, help="Include posts dated in the future.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--clean", is_flag=True, help="Empty the output folder first, then write everything.")
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
    write = report.write
    out = report.output
    shown = out.relative_to(Path.cwd()) if out.is_absolute() and out.is_relative_to(Path.cwd()) else out
    if report.nothing_changed:
        click.echo(f"Nothing changed since the last build ({report.seconds:.2f} s) → {shown}/")
    else:
        click.echo(
            f"Built {report.pages} pages, {report.feeds} feeds, {report.static} static files in {report.seconds:.2f} s "
            f"→ {shown}/ ({report.rendered} pages rendered; {len(write.written)} files written, "
            f"{write.unchanged} unchanged, {len(write.removed)} removed)"
        )
    click.echo(f"Serve it: python3 -m http.server --directory {shown} 8000  →  http://127.0.0.1:8000/")


@main.command()
@click.option("--drafts", is_flag=True, help="Check drafts as if they were published.")
@click.option("--future", is_flag=True, help="Check future posts as if they were published.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def check(ctx: click.Context, drafts: bool, future: bool, as_json: bool) -> None:
    """Validate every content file and template; write nothing."""
    site = _open_site(ctx, drafts=drafts, future=future, as_json=as_json)
    try:
        from cmsite.build.builder import check_site
        from cmsite.social.planner import planned_posts

        plan = check_site(site)
        social = planned_posts(site)
        problems = [error for post in social for error in post.problems()]
        if problems:
            raise ContentErrors(problems)
    except ContentErrors as exc:
        _fail(exc.errors, as_json=as_json, what="fix them and run `cmsite check` again")
    except PluginError as exc:
        _plugin_failure(exc)
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
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(
            f"OK: {summary['items']} files checked — {summary['posts']} posts and {summary['pages']} pages "
            f"published, {summary['drafts']} drafts, {summary['future']} scheduled for later; "
            f"{summary['social_posts']} social posts planned."
        )


@main.command()
@click.option("--all", "show_all", is_flag=True, help="Include cmsite's built-in plugins.")
@click.option("--hook", "hook_name", help="Only plugins that implement this hook, in call order.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def plugins(ctx: click.Context, show_all: bool, hook_name: str | None, as_json: bool) -> None:
    """List plugins: name, distribution, version, where they come from, and their hooks."""
    from cmsite.config import CONFIG_NAME
    from cmsite.plugins import PluginSelection, make_plugin_manager

    if (ctx.obj["site"] / CONFIG_NAME).is_file():
        pm = _open_site(ctx, as_json=as_json).pm
    else:
        try:
            pm = make_plugin_manager(PluginSelection.from_settings(None, (), None, os.environ))
        except PluginError as exc:
            _plugin_failure(exc)
    if hook_name is not None:
        caller = getattr(pm.hook, hook_name, None)
        if caller is None or caller.spec is None:
            raise click.BadParameter(f"no hook named {hook_name!r}", param_hint="--hook")
        names = [impl.plugin_name for impl in reversed(caller.get_hookimpls())]
    else:
        names = [name for name, plugin in pm.list_name_plugin() if plugin is not None]  # None: blocked
    rows = []
    for name in names:
        source = pm.sources[name]
        if source.source == "built-in" and not show_all and hook_name is None:
            continue
        hooks = sorted(caller.name for caller in pm.get_hookcallers(pm.get_plugin(name)) or [])
        rows.append({**dataclasses.asdict(source), "hooks": hooks})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No plugins installed. `cmsite plugins --all` lists the built-in ones.")
    for row in rows:
        origin = row["path"] or f"{row['distribution'] or '?'} {row['version'] or ''}".strip()
        click.echo(f"{row['name']}  ({row['source']}: {origin})")
        click.echo(f"    hooks: {', '.join(row['hooks']) or 'none'}")


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
@click.option("--json", "as_json", is_flag=True, help="Print the planned posts as JSON.")
@click.pass_context
def preview(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Show every planned social post as it will be sent: text, length, time, warnings."""
    from cmsite.social.planner import planned_posts

    site = _open_site(ctx, as_json=as_json)
    try:
        site.load()
        posts = planned_posts(site)
    except ContentErrors as exc:
        _fail(exc.errors, as_json=as_json, what="fix them and run `cmsite preview` again")
    except PluginError as exc:
        _plugin_failure(exc)
    wanted = {str((Path.cwd() / p).resolve()) for p in paths}
    if wanted:
        posts = [p for p in posts if str((site.root / p.source).resolve()) in wanted]
    tz = site.config.tz
    if as_json:
        rows = [
            {
                "id": p.id, "source": p.source, "line": p.line, "network": p.network, "account": p.account,
                "at": p.at.astimezone(tz).isoformat() if p.id else None, "status": p.status, "texts": p.texts,
                "lengths": p.lengths, "limit": p.limit, "media": [m.__dict__ for m in p.media],
                "warnings": p.warnings, "errors": p.errors,
            }
            for p in posts
        ]  # fmt: skip
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for post in posts:
            where = f"{post.source}:{post.line}" if post.line else post.source
            if post.id:
                when = post.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                counts = ", ".join(f"{n}/{post.limit}" for n in post.lengths)
                click.secho(
                    f"{post.network} ({post.account}) · {when} {site.config.timezone} · {counts} · {where}",
                    bold=True,
                )
                for number, text in enumerate(post.texts, 1):
                    if len(post.texts) > 1:
                        click.echo(f"  [{number}/{len(post.texts)}]")
                    click.echo("\n".join("  │ " + line for line in text.splitlines()))
            else:
                click.secho(where, bold=True)
            for warning in post.warnings:
                click.secho(f"  ! {warning}", fg="yellow")
            for error in post.errors:
                click.secho(f"  ✗ {error}", fg="red")
            click.echo()
        click.echo(f"{len(posts)} planned social posts, {sum(bool(p.errors) for p in posts)} with errors.")
    if any(p.errors for p in posts):
        sys.exit(1)
