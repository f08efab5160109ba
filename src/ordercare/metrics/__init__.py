"""KPI definitions over plain records (DOMAIN §4, §7, §8): the facts of each order and line, the counters a
report sums, and the rates, spreads and shares computed from them. No database, no web: unit-tested alone."""
