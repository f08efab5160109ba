"""File import and export: CSV and Excel tables, the column layouts of each kind of file."""
