"""Shared pytest configuration."""

from tests.support.fixtures import *  # noqa
