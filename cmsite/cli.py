"""The `cmsite` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from cmsite import __version__
from cmsite.errors import ContentError, ContentErrors


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


def _fail(errors: list[ContentError], *, as_json: bool = False, what: str = "nothing was written") -> None:
    if as_json:
        click.echo(json.dumps({"ok": False, "errors": [e.as_dict() for e in errors]}, indent=2))
    else:
        for error in errors:
            click.echo(str(error), err=True)
        noun = "error" if len(errors) == 1 else "errors"
        click.secho(f"{len(errors)} {noun}; {what}.", fg="red", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    progress.close()
    write = report.write
    out = report.output
    shown = out.relative_to(Path.cwd()) if out.is_absolute() and out.is_relative_to(Path.cwd()) else out
    click.echo(
        f"Built {report.pages} pages, {report.feeds} feeds, {report.static} static files in {report.seconds:.2f} s "
        f"→ {shown}/ ({len(write.written)} written, {write.unchanged} unchanged, {len(write.removed)} removed)"
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
        result = site.render()
    except ContentErrors as exc:
        _fail(exc.errors, as_json=as_json, what="fix them and run `cmsite check` again")
    summary = {
        "ok": True,
        "errors": [],
        "items": len(site.items),
        "posts": len(site.posts),
        "pages": len(site.pages),
        "drafts": sum(i.draft for i in site.items),
        "future": sum(1 for i in site.items if not i.draft and not site.is_published(i)),
        "outputs": len(result.files),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(
            f"OK: {summary['items']} files checked — {summary['posts']} posts and {summary['pages']} pages "
            f"published, {summary['drafts']} drafts, {summary['future']} scheduled for later."
        )
