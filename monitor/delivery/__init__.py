"""The delivery edge: the apprise adapter and the outbox worker."""
