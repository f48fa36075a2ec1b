"""Holds sitecustomize.py for `ember run` children (on PYTHONPATH only under ember run)."""
