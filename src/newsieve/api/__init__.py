"""The HTTP API of ``newsieve serve``: the filter endpoints, the review queue and its page.

::

    from newsieve.api import create_app
    app = create_app(load_settings())   # a FastAPI app; serve it with uvicorn
"""

from .app import create_app

__all__ = ["create_app"]
