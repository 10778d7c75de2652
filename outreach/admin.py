# Nothing is registered: outreach targets and visit rows are personal records, which
# administrators do not read (DESIGN.md "Who may see what").
