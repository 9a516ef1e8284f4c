"""Tests of monitor/delivery/."""
