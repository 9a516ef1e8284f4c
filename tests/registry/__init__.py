"""Tests of monitor/registry/."""
