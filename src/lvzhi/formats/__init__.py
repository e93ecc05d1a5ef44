"""Every file lvzhi reads and writes, in one place: the lists (JSON, CSV, xlsx in the official columns),
hotline ticket files, reports (monitor, audit), Word opinions. Writers replace a file only when it is complete
(files.atomic_write), and spreadsheet writers neutralise formulas and control characters (sheets.safe_cell)."""
