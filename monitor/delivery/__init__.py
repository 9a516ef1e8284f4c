"""The delivery edge: the outbox worker (``worker``), every message rendered once per target
(``messages`` over ``render`` and ``templates/``), apprise (``notify``)."""
