"""ANSI X12 EDI: a tokenizer that reads its separators from the ISA segment, envelopes with control-number
checks, and the mappings of the sets Ordercare exchanges (850 in; 855, 856, 810, 997 out).

Pure Python: no database, no web framework. The services in services/edi*.py put it to work.
"""
