"""The simulator: a distributor's days run through the real services with a simulated clock (docs/simulator.md)."""
