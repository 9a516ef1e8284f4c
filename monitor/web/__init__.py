"""The web face: a dashboard, a page per trial, edits from the page, feeds, a JSON API, metrics.

``app`` is the routing table and the middleware every route passes (``access``: the token, CSRF and
the security headers, enforced once); ``pages``, ``api``, ``feeds`` and ``metrics`` are the routes,
plain functions over the read model (``monitor.overview``); ``html`` renders the templates;
``server`` runs it under uvicorn in the daemon's own event loop (or alone: ``trial-monitor serve``);
``site`` writes the same pages as a static site.
"""
