"""The demo company: a European industrial distributor built through the real service functions."""

# The default demo: four weeks of a distributor with 110 external customers and 220 products (issue 2 asks for
# 100+ and 200+), built in a minute or two of CPU. A bigger one
# (`ordercare demo --days 365 --customers 300 --skus 2000`) is the simulator's full year.
DAYS, CUSTOMERS, SKUS = 28, 110, 220
