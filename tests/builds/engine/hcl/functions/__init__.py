"""Tests for the HCL function library."""
