# en: the records pages. Keys grouped by page; see common.ftl for the rules.
