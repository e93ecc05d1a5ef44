"""Atom feeds (RFC 4287): a town's published adjustments as entries a feed reader follows."""
from __future__ import annotations

from datetime import datetime, timezone
from xml.sax.saxutils import escape


def atom_feed(feed_id: str, title: str, link: str, entries: list[dict]) -> bytes:
    """entries: {"id", "title", "link", "updated" (ISO), "summary"}; newest first. Every text is escaped."""
    updated = max((e["updated"] for e in entries), default=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    parts = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"<id>{escape(feed_id)}</id>", f"<title>{escape(title)}</title>",
             f'<link rel="alternate" href="{escape(link, {chr(34): "&quot;"})}"/>', f"<updated>{_stamp(updated)}</updated>",
             "<author><name>lvzhi</name></author>"]
    for e in entries:
        parts += ["<entry>", f"<id>{escape(e['id'])}</id>", f"<title>{escape(e['title'])}</title>",
                  f'<link rel="alternate" href="{escape(e["link"], {chr(34): "&quot;"})}"/>',
                  f"<updated>{_stamp(e['updated'])}</updated>",
                  f'<summary type="text">{escape(e["summary"])}</summary>', "</entry>"]
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")


def _stamp(text: str) -> str:
    """An RFC 3339 time: naive times are UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat(timespec="seconds")
