"""The demo company: a European industrial distributor built through the real service functions."""

# The default demo: six weeks of a small distributor (about 1,000 orders), built in about a minute of CPU. A bigger
# one (`ordercare demo --days 365 --customers 300 --skus 2000`) is the simulator's full year.
DAYS, CUSTOMERS, SKUS = 45, 40, 300
