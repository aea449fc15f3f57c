"""newsieve: crawl Chinese local-news repost sites, strip what they injected, flag the
damage, and queue clean articles in Redis.

Layers (arrows point down only; ``tests/test_layers.py`` checks it)::

    newsieve (cli, settings, api, review UI)  ->  crawler  ->  storage  ->  filters
                                   every layer may import newsieve.exceptions
"""

__version__ = "0.1.0"
