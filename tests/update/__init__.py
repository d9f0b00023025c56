"""Tests for the update decisions and the scheduler."""
