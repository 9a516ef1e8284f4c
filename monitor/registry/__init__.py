"""The ClinicalTrials.gov API v2 edge: requests, pacing and retries; no decisions."""

from monitor.registry.client import (
    RegistryClient,
    RegistryUnavailable,
    RegistryVersion,
    UpdateStamp,
    id_batches,
)

__all__ = ["RegistryClient", "RegistryUnavailable", "RegistryVersion", "UpdateStamp", "id_batches"]
