"""trial-monitor test suite."""
