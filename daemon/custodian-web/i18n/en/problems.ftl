# en: the domain's refusals, what the person must change. See common.ftl for the rules.
