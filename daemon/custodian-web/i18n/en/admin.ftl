# en: the admin pages. Keys grouped by page; see common.ftl for the rules.
# The words of roles, states, flags, statuses and columns are the
# appliance's own identifiers in English; other languages name them.

## Shared by the administration pages
admin-save = Save

## Accounts
accounts-role-admin = admin
accounts-role-moderator = moderator
accounts-role-analyst = analyst
accounts-role-readonly = readonly
accounts-state-active = active
accounts-state-suspended = suspended
accounts-state-disabled = disabled
accounts-note-locked = locked
accounts-note-must-change-password = must change password
accounts-note-pending-admin = administrator: waiting for a second administrator
accounts-note-pending-password = password reset: waiting for a second administrator
accounts-note-pending-second-factor = second-factor reset: waiting for a second administrator
accounts-notes-separator = {", "}
accounts-confirm-admin = Confirm administrator
accounts-confirm-second-factor-reset = Confirm second-factor reset
accounts-confirm-password-reset = Confirm password reset
accounts-actions-for = Actions for { $username }
accounts-suspend = Suspend
accounts-disable = Disable
accounts-activate = Activate
accounts-unlock = Unlock
accounts-reset-second-factor = Reset second factor
accounts-force-password-change = Force password change
accounts-new-role = New role
accounts-change-role = Change role
accounts-reset-reason = Reason for a password reset (kept in the activity log)
accounts-reset-password = Reset password
accounts-permissions = Permissions
# Around the account's name and its one-time password.
accounts-created-before = The one-time password of
accounts-created-middle = is
accounts-created-after = . Give it to the person directly; it is shown only now, and they must change it at their next sign-in.
accounts-role = Role
accounts-state = State
accounts-notes = Notes
accounts-actions = Actions
# Around a link to the account's own pages.
accounts-own-before = Your own account: change your password and second factors on
accounts-own-link = your account pages
accounts-own-after = ; another administrator changes its state.
accounts-add = Add an account
accounts-add-button = Add account
accounts-after-incident = After an incident
accounts-force-all-confirm = I understand: every account but mine is signed out at once and must choose a new password at its next sign-in.
accounts-force-all-button = Force every other account to change its password

## An account's permissions
# Followed by the account's name.
permissions-of = Permissions of
permissions-role = Role: { $role }.
permissions-explicit = Explicit flags are set.
permissions-defaults-apply = The role's defaults apply.
permissions-use-defaults = Use the role's defaults (ignore the boxes below)
permissions-flag-view-usernames = view_usernames
permissions-flag-view-simple-history = view_simple_history
permissions-flag-view-full-history = view_full_history
permissions-flag-can-self-assign = can_self_assign
permissions-flag-can-edit-locations = can_edit_locations
permissions-flag-can-export = can_export
permissions-flag-can-access-media = can_access_media
permissions-groups = Access groups (comma-separated)
permissions-saving-ends = Saving ends this account's sessions, so the change applies at once.

## Settings
settings-notice = Notice on the sign-in page (plain text, at most 1000 characters)
settings-ttl = Export download window in minutes ({ $min }–{ $max }; empty: the configured default)
settings-configuration = Configuration
settings-configuration-hint = Set in /etc/custodian/custodiand.toml and Vault; secrets are never shown here.
settings-about-version = Version
settings-about-public-origin = Public origin
settings-about-runs-as = Runs as
settings-about-tls = TLS certificate from
settings-about-tls-pem = a PEM file (development only)
settings-about-second-factor = Second factor required for
settings-about-hardware-key = Hardware key required for
settings-about-schema = Schema version
settings-about-media-store = Media store
settings-about-vault = Vault
settings-about-postgresql = PostgreSQL

## Event types
event-types-hint = Offered when an event is added to a record. A retired type is no longer offered; events that have it keep it. Nothing is deleted.
event-types-title = Title
event-types-description = Description
event-types-events = Events
event-types-retired = retired
event-types-retire = Retire
event-types-add-heading = Add an event type
event-types-add = Add
event-types-name-arabic = Name in Arabic
event-types-name-english = Name in English

## Load
load-connections = Database connections
load-pool = { $in_use } in use of { $max } ({ $open } open), { $waiting } requests waiting for one
load-no-database = no database configured
load-expensive-running = Lists, searches, exports and uploads running
load-expensive = { $running } of at most { $max } ({ $per_account } per account)
load-turned-away = Requests answered 503, per minute
load-turned-away-hint = Minutes without any are left out; an hour is kept. { $pool }, { $account } and { $expensive } were turned away so that everything else kept working; { $timeout } ran longer than the database allows; { $unreachable } could not reach PostgreSQL. The journal has one line per such minute.
load-minute-ending = Minute ending (UTC)
load-this-minute = this minute so far
load-since-start = since custodiand started

## The activity monitor
# Around the command that checks the log.
activity-hint-before = Every entry is hash-chained to the one before and checkpointed with Vault's signature;
activity-hint-after = names any entry changed or removed.
activity-filter-who = Who (starts with)
activity-filter-what = What (starts with, e.g. login. or export.)
activity-filter-on = On (starts with, e.g. bulletin/12)
activity-filter-since = Since
activity-filter = Filter
activity-when = When
activity-who = Who
activity-what = What
activity-on = On
activity-details = Details
activity-newer = Newer
activity-older = Older

## What the activity log records, by the name it keeps
event-access-denied = Access refused
event-account-activated = Account activated
event-account-confirmation-requested = Second administrator's confirmation requested
event-account-created = Account created
event-account-disabled = Account disabled
event-account-locked = Account locked
event-account-permissions-changed = Permissions changed
event-account-recovered = Administrator account recovered
event-account-recovery-issued = Account recovery issued
event-account-role-changed = Role changed
event-account-suspended = Account suspended
event-account-unlocked = Account unlocked
event-activity-viewed = Activity log viewed
event-appliance-degraded = Appliance degraded
event-appliance-recovered = Appliance recovered
event-audit-pruned = Old activity entries pruned
event-backup-configured = Backups configured
event-backup-drill-failed = Restore drill failed
event-backup-drill-passed = Restore drill passed
event-backup-failed = Backup failed
event-backup-finished = Backup finished
event-backup-restore-point = Restore point made
event-backup-restore-point-failed = Restore point failed
event-backup-started = Backup started
event-backup-stale-notified = Administrators told backups are stale
event-backup-verified = Backup verified
event-backup-verify-failed = Backup verification failed
event-daemon-started = custodiand started
event-event-type-added = Event type added
event-event-type-retired = Event type retired
event-export-approved = Export approved
event-export-downloaded = Export downloaded
event-export-expired = Export expired
event-export-rejected = Export rejected
event-export-requested = Export requested
event-import-failed = Import failed
event-import-finished = Import finished
event-import-started = Import started
event-login-failed = Sign-in failed
event-login-second-factor-failed = Second factor failed
event-login-second-factor-passed = Second factor passed
event-login-succeeded = Signed in
event-logout = Signed out
event-media-downloaded = Media downloaded
event-media-orphans-removed = Orphaned media removed
event-media-refused = Media refused
event-media-uploaded = Media uploaded
event-passkey-added = Passkey added
event-passkey-removed = Passkey removed
event-password-changed = Password changed
event-password-rehashed = Password hash renewed
event-password-reset = Password reset
event-password-reset-forced = Password change forced
event-reauth-failed = Identity confirmation failed
event-reauth-succeeded = Identity confirmed
event-recovery-refused = Console recovery refused
event-recovery-code-used = Recovery code used
event-recovery-codes-generated = Recovery codes generated
event-schema-migrated = Database schema migrated
event-second-factor-reset = Second factors reset
event-secret-rotated = Secret rotated
event-session-revoked = Session ended
event-settings-changed = Settings changed
event-setup-completed = Appliance set up
event-setup-refused = Setup refused
event-totp-enrolled = Authenticator app enrolled
event-bulletin-searched = Bulletins searched
event-bulletin-viewed = Bulletin viewed
event-bulletin-created = Bulletin created
event-bulletin-updated = Bulletin updated
event-bulletin-access-changed = Bulletin access changed
event-bulletin-workflow = Bulletin workflow step
event-bulletin-bulk = Bulletins changed in bulk
event-actor-searched = Actors searched
event-actor-viewed = Actor viewed
event-actor-created = Actor created
event-actor-updated = Actor updated
event-actor-access-changed = Actor access changed
event-actor-workflow = Actor workflow step
event-actor-bulk = Actors changed in bulk
event-incident-searched = Incidents searched
event-incident-viewed = Incident viewed
event-incident-created = Incident created
event-incident-updated = Incident updated
event-incident-access-changed = Incident access changed
event-incident-workflow = Incident workflow step
event-incident-bulk = Incidents changed in bulk
event-bulletin-related = Bulletin related to a record
event-bulletin-attached = Reference data attached to a bulletin
event-bulletin-event-added = Event added to a bulletin
event-bulletin-link-withdrawn = Bulletin link withdrawn
event-actor-related = Actor related to a record
event-actor-attached = Reference data attached to an actor
event-actor-event-added = Event added to an actor
event-actor-link-withdrawn = Actor link withdrawn
event-incident-related = Incident related to a record
event-incident-attached = Reference data attached to an incident
event-incident-event-added = Event added to an incident
event-incident-link-withdrawn = Incident link withdrawn
event-update-check-requested = Update check requested
event-update-apply-requested = Update installation requested
event-update-check = Update check
event-update-apply = Update installation
event-update-verify = Update verification
event-update-policy = Update policy check
event-update-download = Update download
event-update-stage = Update staged
event-update-backup = Backup before update
event-update-schema = Update schema check
event-update-migrate = Database migration for update
event-update-restore = Database restored after update
event-update-switch = Switch to the new release
event-update-restart = Restart after update
event-update-health = Health check after update
event-update-commit = Update completed
event-update-rollback = Update rolled back
event-update-recover = Interrupted update recovered

## Import of reference data
import-heading = Import reference data
import-intro = A CSV file (UTF-8, at most { $mib } MiB and { $rows } rows) whose first line names the columns. Every row is checked; rows that fail are listed with their line and the reason, and the others are added.
import-kind = What the file holds
import-kind-labels = Labels
import-kind-sources = Sources
import-kind-locations = Locations
import-names = Each row names the entry in Arabic ({ $ar }) and in English ({ $en }); either may be empty, not both. A file whose first column is { $old }, made before names were in two languages, is still accepted: its language is read from its script. Coordinates may be written in Arabic-Indic digits.
import-file = CSV file
import-button = Import
# Followed by the file's name.
import-job = Import { $id } of
# Followed by the status.
import-progress = { $processed } of { $total } rows checked ({ $percent }%). Status:
import-status-running = running
import-status-done = done
import-status-failed = failed
import-counts = Added: { $accepted }. Not imported: { $rejected }.
import-rejected-heading = Rows not imported
import-line = Line
import-why = Why
import-see-labels = See the labels
import-see-sources = See the sources
import-see-locations = See the locations
import-another = Import another file
import-choose-kind = Choose what the file holds.
import-too-large = The file is larger than 5 MiB; split it.
import-no-file = No file was sent.

## Reference data, by its columns
reference-column-title = title
reference-column-title-arabic = name in Arabic
reference-column-title-english = name in English
reference-column-description = description
reference-column-url = url
reference-column-latitude = latitude
reference-column-longitude = longitude
reference-column-country-code = country_code

## Updates
updates-check = Check for signed updates
# Around the command that starts the updater.
updates-start-before = Start it with
updates-start-after = ; its journal says why it stopped.
updates-installed = Installed
updates-release-dir = Release directory
updates-floor = Never below
updates-state = State
updates-installing = (installing { $version })
updates-refused-here = Refused here after a failed health check
updates-none = none
updates-last-check = Last check
updates-verified = { $when }: the signed metadata verified.
updates-version = Version
updates-status = Status
updates-installable = can be installed
updates-install = Install { $version }
updates-refused = refused
updates-steps = Steps
updates-when = When
updates-step = Step
updates-outcome = Outcome
updates-detail = Detail
updates-in-activity-log = Every step is also in the activity log.
updates-choose-version = Choose a version from the list.

## Password change, step-up and the second step (what the handlers say)
password-problem-wrong-current = The current password is not right.
password-problem-differ = The two new passwords differ.
password-problem-same = Choose a password different from the current one.
reauth-wrong-password = That is not your password.
second-step-hardware-required = Your role requires your hardware security key (or a recovery code).
second-step-wrong-code = That code is not right, or was already used. Wait for the next one.
totp-enrol-mismatch = That code did not match. Scan the new code below and try again.

## Backups (/admin/backups)
nav-admin-backups = Backups
backups-intro = Backups run at the console and by their timers; this page shows what they recorded in the activity log, and never starts one.
backups-not-watched-before = Nothing watches the backups: add
backups-not-watched-after = to the appliance's configuration to have them checked, shown as stale and reported to administrators.
backups-last-backup = Last successful backup
backups-no-backup = No backup yet.
backups-remote = Remote repository (with the last backup)
backups-remote-copied = copied there too
backups-remote-failed = not copied: the local copy is stored, the remote one failed.
backups-escrow = Key escrow (with the last backup)
backups-escrow-not-recorded = Not checked by that backup.
backups-escrow-covers = holds every key version in use
backups-escrow-lacks = lacks keys rotated after it was sealed: a restore on a fresh Vault could not read what they encrypt.
backups-escrow-version = version { $version }
backups-escrow-reseal = The security team re-seals it with an operator token:
backups-escrow-unchecked = could not be checked: see the backup's journal.
backups-last-drill = Last verified restore (drill)
backups-no-drill = No restore verified yet.
backups-last-verify = Last repository check (verify)
backups-no-verify = Never.
backups-type-full = full
backups-type-diff = differential
backups-type-incr = incremental
backups-current = current (at most { $limit } h old)
backups-stale = stale: the last one was { $hours } h ago, more than { $limit } h
backups-missing = missing
backups-failures = Last failures
backups-no-failures = No failure recorded.
backups-when = When
backups-what = What
backups-error = Error
backups-at-the-console = At the console
backups-console-hint = As root on the appliance; each step is printed and recorded in the activity log.
backups-command-now = Take a backup now (add --type full, diff or incr).
backups-command-list = List the backups, the WAL range they reach and the file snapshots.
backups-command-verify = Check the repository: every backup's checksums, and a part of the files read back.
backups-command-drill = Restore the latest backup into scratch copies and check them.
