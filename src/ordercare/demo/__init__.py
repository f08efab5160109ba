"""The demo company: a European industrial distributor built through the real service functions."""
