"""County batch: a map of `process.compute_file` over a folder of school workbooks."""
