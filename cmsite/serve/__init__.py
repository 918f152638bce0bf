"""Watch mode: `cmsite watch` and `cmsite serve` rebuild on every save, and open tabs reload.

- `watcher` turns watchdog's file events into debounced batches of saved paths;
- `session` rebuilds for each batch (incrementally), reports errors and syncs the queue;
- `reload` keeps what the open tabs must learn (a new build, or the current errors);
- `server` serves the output on loopback and adds the reload script to HTML responses.
"""
