"""Packages for customers, signed PDFs, shares and customer-portal downloads."""
