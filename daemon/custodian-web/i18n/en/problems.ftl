# en: the domain's refusals, what the person must change. See common.ftl for the rules.
# Each message is what the person must change, as the domain
# (custodian-core) refuses it: `Rejected::problem("..")`,
# `Problem::new("..")` or a policy check's key. Placeables are the values
# the refusal names; `$kind` is bulletin, actor or incident.

## Accounts, permissions and settings
account-role-unknown = Choose one of the roles offered.
account-username-taken = That username is taken.
account-username-invalid = Usernames are 2 to 63 lower-case letters, digits, dots, dashes or underscores.
account-confirm-by-another = A different administrator than the one who asked must confirm this.
account-nothing-to-confirm = Nothing waits for confirmation on that account.
account-state-own = You cannot change your own account's state; ask another administrator.
account-not-found = There is no such account.
account-reset-own-password = Change your own password on your account page, not here.
account-reset-reason = Give a reason for the reset (up to 500 characters); it is kept in the activity log.
account-force-confirm = Tick the box to confirm that every other account is signed out and must choose a new password.
account-unknown-action = Unknown action.
permissions-own = You cannot change your own permissions; ask another administrator.
settings-notice-too-long = The sign-in notice may be at most 1000 characters.
settings-export-window = The export download window must be between { $min } and { $max } minutes (or empty for the configured default).

## Event types
event-type-title = Give the event type a name in Arabic or in English (or both), each of at most 200 characters.
event-type-description-too-long = The description may be at most 2000 characters.
event-type-exists = There is an event type called “{ $title }” already.
event-type-not-found = That event type does not exist or is retired already.

## Records
record-not-found = There is no such { $kind }, or you may not see it.
record-title-missing = { $kind ->
    [actor] Actor needs a name. Give it in Arabic, in English or both.
    [incident] Incident needs a title. Give it in Arabic, in English or both.
   *[bulletin] Bulletin needs a title. Give it in Arabic, in English or both.
}
record-restrict-own = { $kind ->
    [incident] You can restrict an incident only to access groups you belong to.
    [actor] You can restrict an actor only to access groups you belong to.
   *[other] You can restrict a { $kind } only to access groups you belong to.
}
record-edit-not-now = You cannot edit this { $kind } now: it is not assigned to you, it is in review, or it is finalized.
record-field-choose = { $field ->
    [type] Person or entity
    [sex] Sex (people only; may stay empty)
   *[other] { $field }
}: choose one of the listed values.
record-field-too-long = { $field ->
    [nationality] Nationality
    [potential_violations] Potential violations
    [claimed_violations] Claimed violations
   *[other] { $field }
}: at most { $max } characters.

## Who may see a record
groups-readonly = Read-only accounts cannot change who may see a record.
groups-remove-not-member = You cannot remove an access group you are not in; ask an administrator.
groups-restrict-own = You can restrict a record only to access groups you belong to.
groups-open-admin-only = Only administrators can make a restricted record visible to everyone.
groups-widen-managers-only = Only administrators and moderators can give more access groups access to a record; ask one of them.
groups-widen-own = Moderators can give access only to access groups they belong to.
groups-keep-own = Keep one of your own access groups on the record, or you could no longer see it.

## The workflow
workflow-assignee-ineligible = That account cannot be assigned this record: it is disabled, read-only, or outside the record's access groups.
workflow-reviewer-ineligible = That account cannot review this record: it is disabled, read-only, or outside the record's access groups.
workflow-readonly = Read-only accounts cannot change the workflow.
workflow-assign-managers-only = Only administrators and moderators assign records.
workflow-self-assign = Your account may not assign records to itself.
workflow-submit-assignee-only = Only the assignee submits a record for review.
workflow-reviewer-self = Choose a reviewer other than yourself.
workflow-review-reviewer-only = Only the named reviewer reviews this record.
workflow-finalize-managers-only = Only administrators and moderators finalize records.
workflow-step-impossible = That step is not possible in the record's current state.

## Links between records: relations, references, events
link-date-format = Write dates as YYYY-MM-DD.
link-locations-permission = Your account may not edit locations (permission can_edit_locations); ask an administrator to grant it.
link-other-finalized = { $kind ->
    [actor] Actor
    [incident] Incident
   *[bulletin] Bulletin
} { $id } is finalized: its relations cannot change any more.
link-edit-not-now = You cannot change this { $kind } now: it is not assigned to you, it is in review, or it is finalized.
link-relation-choose = Choose a relation and a certainty from the lists.
link-relation-self = A record cannot be related to itself.
link-relation-exists = That relation is recorded already.
link-reference-choose = Choose a label, source or location.
link-reference-not-found = There is no such { $what }.
link-reference-attached = That { $what } is attached already.
link-event-dates = That date does not exist, or the event ends before it starts.
link-event-choose = Choose an event type and location from the lists.
link-withdraw-reason = Say why the link is wrong; the reason stays with it.
link-withdraw-not-found = That { $link } is not on this { $kind }, or it was withdrawn already.

## Exports
export-reason = Say why the export is needed; the approver reads it.
export-too-many = More than 10,000 bulletins match; narrow the search.
export-not-pending = There is no pending export with that number.
export-decide-own = Another administrator must decide on your own export.
export-not-downloadable = This export is not yours, not approved, already downloaded or expired.

## Importing reference data: the file, and each refused row ($column is
## the CSV column's name, $value a cell as it was written)
import-file-too-large = The file is larger than { $mib } MiB; split it.
import-file-not-utf8 = The file is not UTF-8 text; save it as CSV UTF-8.
import-header-unreadable = The first line cannot be read: { $error }
import-header-mismatch = The first line must be exactly: { $expected } (it is: { $found }).
import-file-too-many-rows = The file has more than { $max } rows; split it.
import-cell-formula = { $column } starts with { $start }: spreadsheet formulas are not accepted
import-cell-control = { $column } contains control characters
import-cell-empty = { $column } is empty
import-cell-too-long = { $column } is longer than { $max } characters
import-cell-not-a-number = { $column } { $value } is not a number
import-cell-out-of-range = { $column } { $value } is outside { $min } to { $max }
import-url-scheme = url must start with https:// or http://
import-country-code = country_code { $value } is not two capital letters (ISO 3166)
import-row-unreadable = unreadable: { $error }
import-row-fields = { $count } fields, expected { $expected }
import-row-exists = { $title } already exists
# A row refused by an import recorded before reasons were kept by key.
import-row-stored = { $reason }
# Rows of bulletins (custodian-core's record_imports).
import-record-no-title = no title in Arabic or in English
import-record-status = status { $value } is not a status of the workflow
import-record-refused = the bulletin could not be created
import-record-create = Your account may not create bulletins.

# Uploads (custodian-core's uploads::Refusal).
upload-empty = The file is empty.
upload-too-large = The file is larger than the { $max } bytes this appliance accepts.
upload-not-allowed = This kind of file is not accepted. Accepted: images (JPEG, PNG, GIF, WebP), PDF, MP4/WebM video, MP3/Ogg/WAV audio.
upload-not-allowed-found = This kind of file is not accepted ({ $found }). Accepted: images (JPEG, PNG, GIF, WebP), PDF, MP4/WebM video, MP3/Ogg/WAV audio.
upload-active-content = The file contains markup or script (HTML, SVG, XML), which is never accepted as evidence media. Convert it (for example print a web page to PDF) and upload that.
upload-truncated = The file is incomplete or damaged: it does not end the way a { $format } file must.
upload-extension-mismatch = The file's name says .{ $ext }, but its content is { $actual }. Rename it or upload the right file.
upload-declared-mismatch = Your browser said the file is { $declared }, but its content is { $actual }.

# Passkeys (custodian-core's passkeys::Refused).
passkey-no-ceremony = The request expired or was already used. Try again.
passkey-invalid = The browser's answer was not valid. Try again.
passkey-not-hardware = Your role requires a hardware security key. A passkey that syncs to other devices (a phone or a password manager) is not accepted.
passkey-duplicate = This key is already registered.
passkey-none = No passkey is registered for this account.
passkey-bad-name = Give the key a name (1 to 60 characters).

# Passwords (custodian-core's password::Policy::check).
password-too-short = Use at least { $min } characters.
password-empty = Choose a password.
password-weak = Choose a longer or less predictable password, for example several unrelated words.
password-weak-keyboard = Keyboard patterns are easy to guess. Choose a longer or less predictable password, for example several unrelated words.
password-weak-repeats = Repeated characters or groups are easy to guess. Choose a longer or less predictable password, for example several unrelated words.
password-weak-common = This is a very common password. Choose a longer or less predictable password, for example several unrelated words.
password-weak-similar = This is similar to a commonly used password. Choose a longer or less predictable password, for example several unrelated words.
password-weak-sequence = Sequences like abc or 6543 are easy to guess. Choose a longer or less predictable password, for example several unrelated words.
password-weak-dates = Dates and years are easy to guess. Choose a longer or less predictable password, for example several unrelated words.
password-weak-word = A word by itself is easy to guess. Choose a longer or less predictable password, for example several unrelated words.
password-weak-names = Names and surnames are easy to guess. Choose a longer or less predictable password, for example several unrelated words.

## A list's filters and its search (custodian-core's QueryError, SearchError):
## each follows the name of the field, "The field q …".
query-control = contains a control character; remove it and try again.
query-too-long = is { $len } characters long; at most { $max } are accepted. Shorten it and try again.
query-too-many = is given { $count } times; at most { $max } are accepted.
query-date = is not a date; write it as YYYY-MM-DD, for example 2024-03-01.
query-reversed = ends before it starts; swap the two dates.
query-choice = is not one of: { $choices }.
query-position = is not a position this list gave out; start again from the first page.
query-username = names an account the way only those who may see usernames can; use me, nobody, or user-N.
query-record = is not a record; write it as bulletin/12, actor/3 or incident/7.
query-group = names an access group you are not in; you can filter by your own groups only.
search-unclosed-quote = has a quotation mark that is not closed; add the closing " or remove it.
search-empty-phrase = has an empty phrase (""); put words between the quotation marks or remove them.
search-dangling-or = has OR without a word on each side; write it between two words, as in: shelling OR airstrike.
search-dangling-not = has a - with nothing after it; write it straight before the word to leave out, as in: -market.
search-lone-prefix = has a * on its own; write it at the end of a word to find the words that start with it, as in: detain*.
search-only-excluded = only leaves words out; add at least one word to look for.
search-too-many-terms = has { $count } words and phrases; at most { $max } are accepted. Leave some out and try again.
search-not-inside-or = cannot leave out a word inside OR; write -word outside the OR.

# custodian-updated could not be asked (the updates page).
updates-not-configured = Updates are not configured here: { $file } has no { $table } table.
updates-unreachable = custodian-updated is not reachable; is it running?
updates-exchange = The exchange with custodian-updated broke off; try again.
updates-malformed = custodian-updated gave an answer that could not be read; its journal says why.
updates-timeout = custodian-updated did not answer within 2 minutes; its journal says what it is doing.
updates-refused-by = custodian-updated refused: { $reason }
updates-not-copied = The update steps could not be copied into the activity log; the database may be unreachable.

# Saving a search (issue 14).
saved-search-name = A saved search needs a name of at most { $max } characters.
saved-search-group = You can share a search only with one of your own access groups, and { $group } is not one of them.
saved-search-too-many = You already keep { $max } saved searches here; delete one you no longer use first.
saved-search-exists = You already have a saved search called { $name }; choose another name or delete that one first.
saved-search-not-found = That saved search is not one of yours, or it was already deleted.

# Background searches (issue 14).
search-background-own = You already have a search running in the background. Wait for its notification, then search again, or narrow this search (a filter or a date range) so that it finishes while you wait.
search-background-busy = Too many searches are running in the background just now. Narrow this one (a filter or a date range) so that it finishes while you wait, or try again in a few minutes.
search-query-too-long = This search is too long to keep (at most { $max } characters once written as the list's address); leave out some values and try again.
