"""Ordercare: order-to-cash and customer service."""

__version__ = "0.1.0"
