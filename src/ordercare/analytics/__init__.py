"""Decisions from measurements: inventory policy (safety stock, fill rate, EOQ) and the cost of a stockout.

Pure NumPy/SciPy over arrays of SKUs: no database, no web framework.
"""
