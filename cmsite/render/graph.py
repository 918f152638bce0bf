"""The last full build's dependency graph, kept on disk, so that `cmsite build` after a save
re-renders exactly what watch mode would, without reading every item back.

Watch mode keeps the last plan in memory: every page and file, and for each content file the
outputs that show it. A command starts with nothing in memory, and reading the 10,000 items of
a large site back from the item cache to plan again takes seconds. So each full build also
saves, in `.cmsite/graph-<key>.pickle` (one per output folder), every output pickled on its
own with the items it shows and the Site kept as references (an item by its file), the URLs
that show each content file, each output's file, and what templates see as `site`. A quick
rebuild from the command line unpickles only the outputs that show the saved files, and reads
back only the items those show, each as the last build saw it (its size and time then); when
one cannot be had, or an output could not be pickled, the full build runs instead.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.content.item import Item
from cmsite.render.outputs import File, Page, Plan
from cmsite.render.report import BuildCounts
from cmsite.render.state import read_hint, write_hint

if TYPE_CHECKING:
    from cmsite.site import Site, SiteView

FORMAT = 3
_SITE = "site"


@dataclass
class SavedGraph:
    name: str  # the build state names the graph saved with it: an older one is never used
    outputs: dict[str, bytes]  # URL → its page or file, pickled (an output that cannot be is left out)
    dependents: dict[str, list[str]]  # content file (as messages show it) → URLs of the outputs that show it
    targets: dict[str, str]  # URL → its file in the output folder
    counts: BuildCounts  # how many pages, feeds, files and static files the plan had
    view: bytes  # what templates see as `site`, pickled like the outputs
    common: str  # the fingerprint every page's starts from
    templates: dict[str, str]  # each template's digest, with those it extends, includes or imports


def save_graph(
    path: Path,
    name: str,
    site: Site,
    plan: Plan,
    dependents: dict[str, list[Page | File]],
    common: str,
    templates: dict[str, str],
) -> None:
    """Keep the plan of a full build and its dependency graph for the next command's quick rebuild."""
    outputs = {}
    for output in [*plan.pages, *plan.files]:
        try:
            outputs[output.url] = _pickled(site, output)
        except Exception:  # a plugin's output that pickle cannot take: it is rendered by full builds alone
            continue
    try:
        view = _pickled(site, site.view)
    except Exception:  # every page shows the view: no quick rebuild from the command line for this site
        path.unlink(missing_ok=True)
        return
    graph = SavedGraph(
        name,
        outputs,
        {shown: [output.url for output in shown_in] for shown, shown_in in dependents.items()},
        plan.targets,
        BuildCounts.of(plan),
        view,
        common,
        templates,
    )
    write_hint(path, FORMAT, graph)


def load_graph(path: Path, name: str) -> SavedGraph | None:
    """The graph saved under `name` (the build state says which), if it is the one on disk."""
    graph = read_hint(path, FORMAT)
    return graph if name and isinstance(graph, SavedGraph) and graph.name == name else None


class Unavailable(Exception):
    """An item or an output of the last build that cannot be read back: a full build is needed."""


class Restored:
    """The last build's outputs and items, read back one by one as a quick rebuild asks for them.

    `signatures` are the (mtime_ns, size) of every input as the last build found them: each item
    is the one made of its file then. Items read back join `site.items`, so that the plugins that
    react to the collected items (cmsite_items_collected) see those the outputs show.
    """

    def __init__(self, site: Site, graph: SavedGraph, signatures: dict[str, tuple[int, int]]):
        self.site, self.graph, self.signatures = site, graph, signatures
        self._items: dict[str, Item] = {}
        self._outputs: dict[str, Page | File] = {}

    def item(self, source: str) -> Item | None:
        try:
            return self._item(source)
        except Unavailable:
            return None

    def shown_in(self, shown: str) -> list[Page | File] | None:
        """The outputs that show a content file; None when one of them cannot be read back."""
        try:
            return [self._output(url) for url in self.graph.dependents.get(shown, [])]
        except Unavailable:
            return None

    def view(self) -> SiteView | None:
        try:
            view: SiteView = self._unpickled(self.graph.view)
        except Unavailable:
            return None
        return view

    def _item(self, source: str) -> Item:
        if source not in self._items:
            signature = self.signatures.get(source)
            item = self.site.store.restore(self.site, Path(source), signature) if signature else None
            if item is None:
                raise Unavailable(source)
            self._items[source] = item
            self.site.items.append(item)
        return self._items[source]

    def _output(self, url: str) -> Page | File:
        if url not in self._outputs:
            pickled = self.graph.outputs.get(url)
            if pickled is None:
                raise Unavailable(url)
            self._outputs[url] = self._unpickled(pickled)
        return self._outputs[url]

    def _unpickled(self, data: bytes) -> Any:
        unpickler = pickle.Unpickler(io.BytesIO(data))
        unpickler.persistent_load = self._reference  # type: ignore[assignment]
        return unpickler.load()

    def _reference(self, reference: str) -> Any:
        return self.site if reference == _SITE else self._item(reference)


class _Pickler(pickle.Pickler):
    """Pickles an output with the Site and the items as references: the site is the one running,
    and each item is read back from the item cache."""

    def __init__(self, file: io.BytesIO, site: Site):
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.site = site

    def persistent_id(self, obj: Any) -> str | None:
        if obj is self.site:
            return _SITE
        return str(obj.source) if isinstance(obj, Item) else None


def _pickled(site: Site, value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, site).dump(value)
    return buffer.getvalue()
