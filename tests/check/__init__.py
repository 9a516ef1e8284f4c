"""Tests of monitor/check/."""
