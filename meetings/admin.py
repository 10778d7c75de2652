# Nothing registered: meetings, their briefs and minutes are case contents, which
# administrators do not read (DESIGN.md "Who may see what").
