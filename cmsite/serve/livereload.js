// cmsite's live reload, added by `cmsite serve` to the pages it serves (never to built files).
// It listens to the server's event stream: a build that rewrote this page (or a stylesheet,
// script or picture) reloads the tab; a build that failed shows its errors over the page.
(() => {
  const script = document.currentScript;
  const here = decodeURIComponent(location.pathname);
  const missing = script.dataset.missing === "1";
  const asset = /\.(css|js|mjs|png|jpe?g|gif|svg|webp|avif|ico|woff2?)$/i;
  let stale = false;

  const shows = (url) =>
    url === "*" || url === here || url + "index.html" === here || here + "index.html" === url || asset.test(url);

  const overlay = () => {
    let host = document.getElementById("cmsite-errors");
    if (!host) {
      host = document.createElement("div");
      host.id = "cmsite-errors";
      host.attachShadow({ mode: "open" }).innerHTML = `
        <style>
          div { position: fixed; inset: 0; z-index: 2147483647; overflow: auto; padding: 2rem;
                background: rgb(24 24 27 / 0.94); color: #fafafa; font: 16px/1.5 system-ui, sans-serif; }
          h2 { margin: 0 0 1rem; color: #fca5a5; font-size: 1.25rem; }
          pre { white-space: pre-wrap; font: 14px/1.6 ui-monospace, monospace; }
          button { font: inherit; float: right; }
        </style>
        <div role="alert">
          <button type="button">Close</button>
          <h2>The last save did not build</h2>
          <p>This page is the last good build. Fix the file and save: the page reloads by itself.</p>
          <pre></pre>
        </div>`;
      host.shadowRoot.querySelector("button").addEventListener("click", () => host.remove());
      document.body.append(host);
    }
    return host;
  };

  const events = new EventSource(`/_cmsite/events?since=${script.dataset.version}`);
  const handle = (event) => {
    const news = JSON.parse(event.data);
    const newer = news.version > Number(script.dataset.version);
    stale = stale || (newer && (missing || news.urls.some(shows)));
    if (news.errors.length) {
      overlay().shadowRoot.querySelector("pre").textContent = news.errors.join("\n");
    } else if (stale) {
      location.reload();
    } else {
      document.getElementById("cmsite-errors")?.remove();
    }
  };
  events.addEventListener("build", handle);
  events.addEventListener("errors", handle);
})();
