# en: the account pages. Keys grouped by page; see common.ftl for the rules.

## The account's pages
crumb-account = Your account

## Language and time zone
preferences-title = Language and time zone
preferences-saved = Saved. Your pages now follow these choices.
preferences-language = Language of the interface
preferences-language-browser = The browser's language
preferences-time-zone = Time zone
preferences-time-zone-hint = Times on your pages are shown in this zone, with the UTC time when you point at them. Records store every time in UTC.
preferences-save = Save
preferences-unknown-language = Choose one of the languages offered.
preferences-unknown-time-zone = Choose one of the time zones offered.

## Passkeys and security keys
passkeys-title = Passkeys
passkeys-heading = Passkeys and security keys
passkeys-hardware-required = Your role requires a hardware security key (one that cannot be copied off the device). Register one before you continue.
passkeys-second-factor-required = Your account needs a second factor. Register a passkey or security key here, or
passkeys-or-totp = set up an authenticator app
passkeys-none = No passkeys yet.
passkeys-name = Name
passkeys-kind = Kind
passkeys-added = Added
passkeys-last-used = Last used
passkeys-hardware = hardware key
passkeys-synced = synced passkey
passkeys-never = never
passkeys-remove = Remove
passkeys-add = Add one
passkeys-add-hint = Name it after the device, so you can tell your keys apart later.
passkeys-register = Register a passkey
passkeys-needs-script = Registering a passkey needs JavaScript; everything else works without it.
passkeys-busy = The appliance is busy. Try again shortly.
passkeys-no-such-key = There is no such key on your account.
passkeys-need-host-name = Passkeys need the appliance to be reached by a host name; ask the administrator.

## Security notifications
notifications-heading = Security notifications
notifications-none = Nothing to report.
notifications-mark-read = Mark all as read

## The authenticator app
totp-title = Authenticator app
totp-heading = Set up an authenticator app
totp-explain = Your account needs a second factor. Scan this code with an authenticator app, or type the key below into it, then enter the six-digit code it shows.
totp-key = Key:
totp-code = Code from the app
totp-confirm = Confirm

## Recovery codes
recovery-title = Recovery codes
recovery-fresh = Your new recovery codes. Write them down or print them and keep them somewhere safe: each works once, and they are shown only now.
recovery-remaining = If you lose your authenticator app, a recovery code gets you in once. You have { $count } unused.
recovery-generate = Generate new codes
recovery-replace = New codes replace all old ones.

## Sessions
sessions-account = Account
sessions-signed-in = Signed in
sessions-last-seen = Last seen
sessions-from = From
sessions-browser = Browser
sessions-this = this session
sessions-end = End

## What notifications say (custodian-core's Notice, stored by key; worded
## when read, in the reader's language)
notice-new-device = New sign-in from { $peer } with { $browser }. If this was not you, change your password and tell an administrator.
notice-new-device-unnamed = New sign-in from { $peer } with an unnamed browser. If this was not you, change your password and tell an administrator.
notice-totp-enrolled = An authenticator app was set up for your account. If this was not you, tell an administrator now.
notice-recovery-codes = New recovery codes were generated for your account; the old ones no longer work.
notice-passkey-added = A passkey named “{ $name }” was added to your account. If this was not you, tell an administrator now.
notice-passkey-removed = The passkey named “{ $name }” was removed from your account.
notice-admin-passkey-added = Administrator { $account }: added a passkey “{ $name }”.
notice-admin-passkey-removed = Administrator { $account }: removed the passkey “{ $name }”.
notice-locked-guesses = The account { $account } was locked for { $minutes } minutes after { $attempts } wrong { $step ->
        [current-password] current-password
        [step-up] step-up password
        [recovery-code] recovery-code
        [authenticator-code] authenticator-code
        [passkey] passkey
        [passkey-step-up] passkey step-up
       *[other] { $step }
    } attempts (last from { $peer }). If this was not its owner, someone knows the password: change it.
notice-locked-sign-ins = The account { $account } was locked for { $minutes } minutes after { $attempts } failed sign-ins (last from { $peer }).
notice-confirmation-requested = { $by } asked for { $change ->
        [grant-admin] administrator rights
        [reset-second-factor] a reset of their second factors
        [reset-password] a reset of their password
       *[other] { $change }
    } for the account { $account }. Nothing changes until a different administrator confirms it on the accounts page; if you did not expect this, suspend both accounts.
notice-account-suspended = Your account was suspended by { $by }.
notice-account-disabled = Your account was disabled by { $by }.
notice-account-activated = Your account was activated by { $by }.
notice-account-unlocked = Your account was unlocked by { $by }.
notice-second-factors-reset = Your second factors (authenticator app, passkeys, recovery codes) were reset by { $by }.
notice-admins-second-factors-reset = { $account }: their second factors (authenticator app, passkeys, recovery codes) were reset by { $by }.
notice-role-changed = Your role was changed to { $role } by { $by }.
notice-admins-role-changed = { $account }: their role was changed to { $role } by { $by }.
notice-admin-granted-new-credentials = Your role was changed to admin (confirmed by { $by }). Sign in with the one-time password { $by } gives you, choose a new password and enrol your second factor again.
notice-admins-admin-granted = { $account }: their role was changed to admin (confirmed by { $by }); they sign in with a one-time password from { $by } and enrol their second factor again.
notice-password-reset-confirmed = Your password was reset (confirmed by { $by }); you were signed out everywhere. Sign in with the one-time password { $by } gives you and choose a new one. If you did not ask for this, tell another administrator.
notice-admins-password-reset-confirmed = { $account }: their password was reset (confirmed by { $by }); they were signed out everywhere.
notice-password-reset = Your password was reset by { $by }; you were signed out everywhere. Sign in with the one-time password they give you and choose a new one. If you did not ask for this, tell another administrator.
notice-admins-password-reset = { $by } reset the password of { $account }.
notice-password-change-forced = { $by } asked you to choose a new password: you were signed out everywhere, and you must change it at your next sign-in.
notice-account-recovered = The administrator account { $account } was recovered with a token issued at the console, and has a new password. If you did not expect this, suspend it and check the activity log (account.recovery_issued).
notice-console-recovery-issued = At the appliance's console, a recovery of the administrator account { $account } was issued (reason: { $reason }). Its password and second factors were removed and its sessions ended; a new password is chosen with the recovery token within an hour. If you did not expect this, tell the appliance's operators at once.
notice-console-admin-confirmed = At the appliance's console, administrator rights for { $account } (asked for by { $asked_by }) were confirmed (reason: { $reason }). The account's password and second factors were replaced by a recovery token, valid for an hour, given by the person at the console.
notice-settings-changed = { $by } changed the appliance settings.
notice-permissions-changed = { $by } changed your permissions to: { $flags_mode ->
        [defaults] the defaults of your role
        [none] none
       *[list] { $flags }
    }; access groups: { $groups_count ->
        [0] none
       *[other] { $groups }
    }.
notice-admins-permissions-changed = { $by } changed the permissions of { $account }.
notice-export-requested = { $by } asks to export { $items } bulletins ({ $format }): { $reason }
notice-export-approved = Your export { $id } was approved; download it within { $minutes } minutes (once).
notice-export-rejected = Your export { $id } was rejected.
notice-access-changed = Who may see { $kind } { $id } changed: { $before_count ->
        [0] everyone
       *[other] { $before }
    } -> { $after_count ->
        [0] everyone
       *[other] { $after }
    }. Its history tells who.
notice-assigned = { $kind ->
        [bulletin] Bulletin
        [actor] Actor
        [incident] Incident
       *[other] Record
    } { $id } was assigned to you.
notice-review-waiting = { $kind ->
        [bulletin] Bulletin
        [actor] Actor
        [incident] Incident
       *[other] Record
    } { $id } waits for your review.
notice-review-returned = Your { $kind } { $id } came back from review: { $status ->
        [unassigned] Unassigned
        [assigned] Assigned
        [peer_review] In peer review
        [revisit] Revisit
        [reviewed] Reviewed
        [finalized] Finalized
       *[other] { $status }
    }.
notice-backup-stale = The last successful backup was { $hours } h ago (more than { $limit } h). At the console, see journalctl -u custodian-backup@incr and run custodianctl backup now. Backups (/admin/backups) shows the status.
notice-backup-missing = No backup has succeeded yet. At the console, run custodianctl backup now --type full and enable the backup timers. Backups (/admin/backups) shows the status.
notice-search-ready = Your background search of { $kind ->
        [bulletin] bulletins
        [actor] actors
        [incident] incidents
       *[other] records
    } (search { $job }) is ready: { $capped ->
        [yes] more than { $count } matches; the first { $count } are kept.
       *[no] { $count ->
            [one] one match.
           *[other] { $count } matches.
        }
    }
notice-search-failed = Your background search of { $kind ->
        [bulletin] bulletins
        [actor] actors
        [incident] incidents
       *[other] records
    } (search { $job }) failed: it ran past the time the appliance allows. Narrow it and search again.
notifications-open-search = Open the search
