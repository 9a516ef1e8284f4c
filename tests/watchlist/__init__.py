"""Tests of monitor/watchlist/."""
