"""Printable documents (PDF)."""

from .shipping import DocLine, Party, ShippingDocument, bill_of_lading_pdf, packing_slip_pdf

__all__ = ["DocLine", "Party", "ShippingDocument", "bill_of_lading_pdf", "packing_slip_pdf"]
