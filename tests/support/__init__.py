"""Test helpers: loopback notification receivers, pytest fixtures."""
