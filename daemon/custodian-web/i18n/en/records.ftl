# en: the records pages. Keys grouped by page; see common.ftl for the rules.
# The lists' and pages' headings use the navigation's words (nav-bulletins,
# nav-actors, nav-incidents, nav-exports in common.ftl).

## A kind of record, by itself and with its number
bulletin-one = Bulletin
actor-one = Actor
incident-one = Incident
bulletin-noun = bulletin
actor-noun = actor
incident-noun = incident
bulletin-numbered = Bulletin { $id }
actor-numbered = Actor { $id }
incident-numbered = Incident { $id }
bulletin-new = New bulletin
actor-new = New actor
incident-new = New incident
bulletin-edit = Edit bulletin { $id }
actor-edit = Edit actor { $id }
incident-edit = Edit incident { $id }
bulletin-select = Select bulletin { $id }
actor-select = Select actor { $id }
incident-select = Select incident { $id }
bulletin-history = History of bulletin { $id }
actor-history = History of actor { $id }
incident-history = History of incident { $id }
bulletin-back = Back to the bulletins
actor-back = Back to the actors
incident-back = Back to the incidents

## A list of records
# $count: how many (for the plural); $shown: the same number with its
# thousands separated; $sort: the order's name, in lower case.
bulletin-none-match = No bulletins match.
actor-none-match = No actors match.
incident-none-match = No incidents match.
bulletin-count = { $count ->
    [one] { $shown } bulletin
   *[other] { $shown } bulletins
}; by { $sort }.
actor-count = { $count ->
    [one] { $shown } actor
   *[other] { $shown } actors
}; by { $sort }.
incident-count = { $count ->
    [one] { $shown } incident
   *[other] { $shown } incidents
}; by { $sort }.
bulletin-count-more = More than { $shown } bulletins; by { $sort }.
actor-count-more = More than { $shown } actors; by { $sort }.
incident-count-more = More than { $shown } incidents; by { $sort }.
records-search-titles = Search titles and descriptions
records-search-names = Search names and descriptions
records-search = Search
records-search-hint = All words must match; { $phrase } for an exact phrase, { $prefix } for words starting so, { $either } for either, { $not } to leave a word out.
records-search-example-phrase = "a phrase"
records-search-example-prefix = word*
records-search-example-either = a OR b
records-search-example-not = -word
records-any-status = Any status
records-sort-by = Sort by
records-rank-too-many = Too many records match to rank them all; narrow the search to sort by relevance.
records-first-page = First page
records-previous-page = Previous page
records-next-page = Next page
records-updated-utc = Updated (UTC)
records-bulk-with = With the selected
records-bulk-assign = assign to
records-bulk-finalize = finalize (reviewed ones)
records-person = Person
records-apply = Apply

## The list's filters
filters-more = More filters
filter-person-hint = { $me }, { $nobody }, { $user } or a username
filter-created-from = Created from
filter-created-to = Created until
filter-updated-from = Changed from
filter-updated-to = Changed until
filter-exact-title = its exact title
filter-event-from = Event from
filter-event-to = Event until
filter-related = Related to
filter-related-hint = for example { $example }
filter-group = Access group

## The orders of a list
sort-relevance = Relevance
sort-updated = Last change
sort-created = Created
sort-id = Number

## The workflow's statuses
status-unassigned = Unassigned
status-assigned = Assigned
status-peer-review = In peer review
status-revisit = Revisit
status-reviewed = Reviewed
status-finalized = Finalized

## The workflow's steps: the buttons, and their names in a history or a bulk change
step-assign = Assign
step-self-assign = Assign to me
step-submit = Submit for review
step-accept = Accept review
step-send-back = Send back to revisit
step-finalize = Finalize
step-name-assign = assign
step-name-self-assign = self-assign
step-name-submit = submit
step-name-accept = accept
step-name-send-back = send-back
step-name-finalize = finalize

## Who, when an account is shown by what it is to the reader
person-you = you
person-nobody = nobody

## A record's words, in its form and on its page
records-title = Title
records-name = Name
records-status = Status
records-assigned-to = Assigned to
records-reviewer = Reviewer
records-visible-to = Visible to
records-everyone = everyone
records-revision = Revision
records-description-hint = Paragraphs, emphasis, lists, quotes, code and links are kept; anything else is removed.
records-groups = Restrict to access groups (comma-separated; empty: everyone)
records-save = Save
records-edit = Edit
records-history = History
records-workflow = Workflow
records-person-for = Person for { $step }
records-when-by = { $when } by { $by }
records-label = Label
records-source = Source
records-location = Location
records-event-type = Event type

## The own fields of actors and incidents, and their choices
field-type = Person or entity
field-sex = Sex (people only; may stay empty)
field-nationality = Nationality
field-potential-violations = Potential violations
field-claimed-violations = Claimed violations
choice-person = person
choice-entity = entity
choice-female = female
choice-male = male
choice-other = other

## A bulletin's files
files-heading = Files
files-none = No files yet.
files-file = File
files-type = Type
files-size = Size
files-added = Added
files-bytes = { $size } bytes
files-add = Add a file (images, PDF, video, audio; the appliance checks what it really is)
files-upload = Upload
files-only-editable = You can add files only to a bulletin you may edit now.
files-none-sent = No file was sent. Choose a file and try again.

## Related records, labels, sources, locations and events
# The relation's words read from one record to the other; $kind is the
# record the words describe (bulletin, actor, incident), for languages
# whose words agree with it. $other is the other record.
bulletin-relation-out = This bulletin { $words } { $other }
actor-relation-out = This actor { $words } { $other }
incident-relation-out = This incident { $words } { $other }
bulletin-relation-in = { $other } { $words } this bulletin
actor-relation-in = { $other } { $words } this actor
incident-relation-in = { $other } { $words } this incident
bulletin-relation-this = This bulletin
actor-relation-this = This actor
incident-relation-this = This incident
relation-related = is related to
relation-duplicate = is a duplicate of
relation-same-event = { $kind ->
   *[other] is the same event as
}
relation-appears-in = { $kind ->
   *[other] appears in
}
relation-victim = is a victim in
relation-witness = { $kind ->
   *[other] is a witness of
}
relation-perpetrator = { $kind ->
   *[other] is a perpetrator in
}
relation-member-of = is a member of
relation-family = is family of
relation-part-of = is part of
relation-type-related = related
relation-type-duplicate = duplicate
relation-type-same-event = same event
relation-type-appears-in = appears in
relation-type-victim = victim
relation-type-witness = witness
relation-type-perpetrator = perpetrator
relation-type-member-of = member of
relation-type-family = family
relation-type-part-of = part of
certainty-unverified = unverified
certainty-probable = probable
certainty-confirmed = confirmed
links-related = Related records
links-none = None yet.
links-references = Labels, sources and locations
links-events = Events
links-event = Event
links-where = Where
links-from = From
links-to = To
links-note = Note
links-withdrawn = withdrawn { $when } by { $by }: { $reason }
links-withdraw = Withdraw
links-why-wrong = Why is it wrong?
links-add-relation = Add a relation
links-record = Record
links-its-number = Its number
links-certainty = Certainty
links-add-relation-button = Add relation
links-add-event = Add an event
links-from-date = From ({ $format })
links-to-date = To ({ $format })
links-add-event-button = Add event
reference-label = label
reference-source = source
reference-location = location
links-attach-label = Attach label
links-attach-source = Attach source
links-attach-location = Attach location

## A record's history
history-when = When
history-who = Who
history-change = Change
history-created = created
history-edited = edited
history-regrouped = edited; access groups: { $before } -> { $after }
history-attached = { $what } { $id } attached
history-event-added = event of type { $id } added
history-step = { $step }
history-withdrawn = { $link } { $id } withdrawn: { $reason }
history-withdrawn-back = { $link } { $id } withdrawn from { $kind } { $from_id }: { $reason }
history-relation-added = relation added: { $relation } { $kind } { $id }
history-relation-added-back = relation added: { $kind } { $id } { $relation } this
history-link-relation = relation
history-link-reference = reference
history-link-event = event

## A bulk change
bulk-title = Bulk change
bulk-heading = Bulk change: { $step }
bulk-done = Done: { $done }. Refused: { $refused }.
bulk-outcome = Outcome
bulk-now = now { $status }
bulk-select-between = Select between 1 and { $max } records.

## Exports
exports-asked-by = Asked by
exports-format = Format
exports-items = Items
exports-why = Why
exports-asked = Asked
exports-expires = Expires
exports-approve = Approve
exports-reject = Reject
exports-download = Download (once)
exports-ask = Ask for an export
exports-hint = The file is made now from what you may see, and released when another administrator approves it. You can download it once.
exports-matching = Bulletins matching
exports-why-needed = Why is it needed?
exports-ask-button = Ask for the export
export-status-requested = requested
export-status-approved = approved
export-status-rejected = rejected
export-status-downloaded = downloaded
export-status-expired = expired

## The pickers' look-ups
pickers-what-unknown = is not one of: label, source, location, event_type, person, bulletin, actor, incident.

## A record's two languages
records-title-arabic = Title in Arabic
records-title-english = Title in English
records-name-arabic = Name in Arabic
records-name-english = Name in English
records-title-either = Give the title in Arabic, in English or both.
records-name-either = Give the name in Arabic, in English or both.
records-description-arabic = Description in Arabic
records-description-english = Description in English
records-in-arabic = In Arabic
records-in-english = In English

## Import of bulletins
import-bulletins-heading = Import bulletins
import-bulletins-intro = A CSV file in the format of the CSV export (UTF-8, with or without a byte-order mark; at most { $mib } MiB and { $rows } rows). Its first line must be exactly:
import-bulletins-imported = Imported: the title and the description in Arabic and in English ({ $columns }). Each row needs a title in at least one of the two languages.
import-bulletins-status = Checked but not kept: { $column }. A status the workflow does not know refuses the row; every imported bulletin starts unassigned, like one created on the page.
import-bulletins-ignored = Ignored: { $columns }; this appliance numbers and dates its own records.
import-bulletins-formulas = A cell that starts with =, +, - or @ is a spreadsheet formula and refuses its row. The apostrophe the export puts before such a text is taken off.
import-bulletins-created = Each bulletin is created in your name, as on the page: revision 1 in its history and an entry in the activity log. Rows that fail are listed with their line and the reason; the others are added.
import-bulletins-see = See the bulletins

# Saved searches on the lists (issue 14).
saved-searches = Saved searches:
saved-shared-with = shared with
saved-delete = Delete
saved-save-heading = Save this search
saved-name = Name
saved-share = Share with
saved-private = nobody else
saved-save = Save

# Finding reference data by name on a record's page (no script needed).
links-find-label = Find a label by name
links-find-source = Find a source by name
links-find-location = Find a location by name
links-find = Find
links-none-found = Nothing by that name; try fewer letters.

# Background searches (issue 14).
search-moved-title = The search continues in the background
search-moved-text = This search takes longer than a page may wait, so it goes on in the background. A notification will tell you when its results are ready; its page shows them then.
search-moved-link = Follow search { $id }
search-job-title = Background search { $id }
search-job-started = Started
search-job-kept = Kept until
search-job-running = Still searching; this page reloads itself until the results are ready.
search-job-failed = This search failed: it ran past the time the appliance allows even in the background. Narrow it (a filter or a date range) and search again.
search-job-done = { $capped ->
        [yes] The first { $shown } matches (there were more; narrow the search to see the rest), shown as you may read them now.
       *[no] { $count ->
            [one] One match, shown as you may read it now.
           *[other] { $shown } matches, shown as you may read them now.
        }
    }
search-job-hidden = { $count ->
        [one] One match on this page is no longer visible to you and is not shown.
       *[other] { $count } matches on this page are no longer visible to you and are not shown.
    }
search-job-page = Page { $page } of { $pages }
search-job-again = Open the list with this search
