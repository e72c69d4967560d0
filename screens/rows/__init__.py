"""What the rows of the account's and the desk's tables say: the service's answers formatted for a patron or a librarian (text only, no widgets)."""
