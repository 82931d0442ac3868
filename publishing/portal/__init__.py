"""The public portal: a static site regenerated with each publication, under `open_root`.

* `index.html` lists every open dataset's current version (description, coverage, counts,
  licence, downloads with their sha256, data dictionary) and searches organisations by name or
  code (`publishing/portal/search.py`: a sharded index the page reads a few files of at a time);
* `org.html?c=<code>` is an organisation's public credit report: every record it has in the
  current versions, printable; `record.html?c=<code>&r=<record id>` one record with all its
  public fields, its publicity end date, its objection mark and what repair or an objection
  means for it under the profile;
* `changelog.html` lists every version with its counts and why records left it
  (`publishing/portal/changelog.py`).

The pages are served, not opened as files: their script reads the index with `fetch` (any
static host: S3, a CDN, `python -m http.server`). They run no inline script and declare a
Content-Security-Policy that forbids it; agencies' values are only ever set as text.

Natural persons (and individual businesses, named after one) are neither searchable nor given
pages, even where a profile opens their records (platform policy: a masked person's records are
in the open files, but a page per person would make them browsable and linkable).

Every string comes from the files the publish gate passed (their sha256 checked against each
dataset's `latest.json` before they are read) or from the catalogue and the profile; each page,
the assets and what the index adds (labels, guidance) are scanned by the gate again before they
replace the previous ones.
"""

from publishing.portal.site import build_portal, portal_files

__all__ = ["build_portal", "portal_files"]
