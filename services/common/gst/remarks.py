"""What a recipient may say with an action (docs/rules.md §3.5): remarks of at most 250 characters, GSTN's limit,
checked by the action path, offered by the web dashboard and the documents workbook, written by reconciliation's
suggestions and declared in the OpenAPI document from this one constant."""

MAX_REMARKS = 250
