"""Shows (場): templates, the show lifecycle and its go-live gate, roster, checklists, perks."""
