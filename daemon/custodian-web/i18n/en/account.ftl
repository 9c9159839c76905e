# en: the account pages. Keys grouped by page; see common.ftl for the rules.
