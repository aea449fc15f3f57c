"""Downloader middlewares of the crawl, one per module (wired in ``crawler.config``)."""
