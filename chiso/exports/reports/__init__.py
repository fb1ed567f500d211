"""Reports: the periodic report (DOCX, PDF), ranking and scorecard workbooks (XLSX)."""
