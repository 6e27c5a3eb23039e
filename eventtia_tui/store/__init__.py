"""What this machine keeps on disk: the cache's database (cache.py, its values as JSON: json_disk.py) and, in the
same file, the synced attendees (attendee_db.py) with their records (records.py), search words (words.py) and
index (index.py), a sync's pages (pages.py) and the child process that writes a big sync's pages (page_writer.py,
writer_child.py). No HTTP here: the gateway asks Eventtia and hands the store what came back.

Nothing is imported here, so the writer child, which imports only writer_child and what it needs, stays small.
"""
