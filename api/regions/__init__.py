"""Regional configuration: what each 市州 and county enables, overrides and assigns (issue 9 item 3)."""
