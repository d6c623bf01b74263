"""Invoicing for the café and restaurant customers of our booking product."""

from .export import to_rows
from .invoice import Invoice, InvoiceLine
from .money import format_sek, round_money

__all__ = ["Invoice", "InvoiceLine", "format_sek", "round_money", "to_rows"]
