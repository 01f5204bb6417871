"""Instruments from and to other tools: REDCap data dictionaries and XLSForms, read into our definition
format (then checked by the one checker) and written back out from a checked survey."""
