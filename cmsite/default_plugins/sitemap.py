"""sitemap.xml (every page that asks for it) and a robots.txt that points to it."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import File, Page

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


@hookimpl(trylast=True)
def cmsite_files(site: Any, pages: list[Page]) -> list[File]:
    urlset = ElementTree.Element("urlset", xmlns=NAMESPACE)
    for page in sorted((p for p in pages if p.sitemap), key=lambda p: p.url):
        entry = ElementTree.SubElement(urlset, "url")
        ElementTree.SubElement(entry, "loc").text = page.abs_url
        if page.lastmod:
            ElementTree.SubElement(entry, "lastmod").text = page.lastmod.isoformat(timespec="seconds")
    ElementTree.indent(urlset)
    sitemap_url = site.urls.url("/sitemap.xml")
    sitemap = ElementTree.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {site.urls.absolute(sitemap_url)}\n".encode()
    return [File(sitemap_url, data=sitemap), File(site.urls.url("/robots.txt"), data=robots)]
