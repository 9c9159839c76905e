# en: the admin pages. Keys grouped by page; see common.ftl for the rules.
