"""The read side: every town's lists as the CLI and the web read them — versions by date, items, the
department view, diffs, search and resolvers — kept in memory per immutable version (catalog.Catalog)."""
