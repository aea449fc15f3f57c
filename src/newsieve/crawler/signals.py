"""newsieve's own Scrapy signals (sent with ``crawler.signals.send_catch_log``).

``lease_done(lease, mark_ms, listing)``
    a leased request's outcome is stored: the frontier acks it (``LeaseAckPipeline`` sends it).
``drain()``
    stop scheduling: finish what is in flight, then close (the daemon sends it on SIGTERM).
"""

lease_done = object()
drain = object()
