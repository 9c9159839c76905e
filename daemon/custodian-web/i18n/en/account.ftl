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
