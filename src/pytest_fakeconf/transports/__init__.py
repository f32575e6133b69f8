"""Thin adapters that carry HTTP requests from a client library to the api layer."""
