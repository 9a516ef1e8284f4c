"""Shared pytest configuration."""

from tests.support.fixtures import *  # noqa
from tests.support.postgres import *  # noqa
from tests.support.browser import *  # noqa
