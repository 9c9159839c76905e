# Custodian's interface in English. Keys are grouped by where they are
# shown; every key here is used in the code, and every one exists in each
# other catalogue with the same placeables (the catalogue test checks).

## The frame of every page
skip-to-content = Skip to the page
sign-out = Sign out
footer = Custodian evidence appliance
crumb-home = Home
landmark-site = Site
landmark-breadcrumb = Breadcrumb

## Roles, as the person reads them
role-admin = administrator
role-moderator = moderator
role-analyst = analyst
role-readonly = read-only

## The navigation
nav-records = Records
nav-bulletins = Bulletins
nav-actors = Actors
nav-incidents = Incidents
nav-reference = Reference data
nav-labels = Labels
nav-sources = Sources
nav-locations = Locations
nav-work = Work
nav-exports = Exports
nav-notifications = Notifications
nav-notifications-new = Notifications ({ $count } new)
nav-account = Your account
nav-administration = Administration
nav-admin-accounts = Accounts
nav-admin-sessions = All sessions
nav-admin-activity = Activity
nav-admin-load = Load
nav-admin-settings = Settings
nav-admin-event-types = Event types
nav-admin-updates = Updates
nav-admin-import = Import
nav-admin-import-bulletins = Import bulletins

## The public home page
home-title = Welcome
home-about = This appliance keeps documentation of human-rights violations: bulletins, actors, incidents and the media that support them, with a record of who did what and when.
home-before = Before you sign in
home-accounts = Accounts are created by the appliance administrators. There is no self-registration and no password reset by e-mail: if you are locked out, contact an administrator in person.
home-address = Check that the address bar shows this appliance's name and a valid certificate. The appliance never asks for your password anywhere else.
home-log = Every sign-in and every change is written to a tamper-evident activity log.
home-does-not = What this appliance does not do
home-no-third-party-content = It loads no scripts, fonts or images from other sites and sets no tracking cookies.
home-no-sharing = It does not share data with third parties.
home-wrong = If something seems wrong
home-wrong-text = A sign-in you did not make, a warning about the certificate, or a page that asks for more than your own credentials: stop, do not enter anything, and tell an administrator.

## Signing in
sign-in-failed = Wrong username or password, or the account is locked for a while.
sign-in-locked = Too many wrong attempts: this account is locked for up to { $minutes } minutes. Its owner and the administrators were told. Try again later, or ask an administrator to unlock it.
sign-in-busy = The appliance is busy checking other passwords. Try again in a few seconds.
setup-problem-token = That setup token is wrong, expired or already used. Restart custodiand for a new one.
recover-problem-token = That recovery token is wrong, expired, already used or for another account. Issue a new one at the console: custodianctl account recover-admin --help.
sign-in = Sign in
username = Username
password = Password
forgot-password = Forgot your password? Ask an administrator of this appliance in person.
second-factor = Second factor
use-passkey = Use your passkey
totp-or-recovery = Authenticator code or recovery code
totp-hint = Or enter the six-digit code your authenticator app shows for Custodian.
recovery-code = Recovery code
recovery-hint = Lost your key? Enter one of your recovery codes.
continue = Continue

## Error pages
error-400 = Bad request
error-400-text = The request could not be understood.
error-403 = Forbidden
error-403-text = You are not allowed to do this.
error-404 = Not found
error-404-text = There is nothing at this address.
error-405 = Method not allowed
error-405-text = This address does not accept that kind of request.
error-408 = Request timeout
error-408-text = The request took too long to arrive.
error-413 = Too large
error-413-text = The request is larger than this address accepts.
error-415 = Unsupported type
error-415-text = This address does not accept that content type.
error-416 = Range not satisfiable
error-416-text = The part of the file asked for lies beyond its end.
error-429 = Too many requests
error-429-text = Please wait a moment and try again.
error-503 = Unavailable
error-503-text = The appliance could not complete this request now: a service it needs is unavailable or overloaded. Please try again shortly.
error-other = Something went wrong
error-other-text = The appliance could not complete the request.
no-media-store = This appliance has no media store, so it cannot keep files or exports. Its administrator adds a [storage] section to custodiand's configuration file, with dir = "/var/lib/custodian/media" (a directory custodiand's account owns), and restarts custodiand.

## Overload (503): every page but the last says the person is still signed in
outage-overloaded = The appliance is overloaded: too many requests are waiting for the database. You are still signed in; try again in a few seconds.
outage-account-busy = You already have { $count } lists, searches, exports or uploads running, as many as one account may. They go on; wait for them to finish, then try again. You are still signed in.
outage-expensive-busy = The appliance is overloaded: it is already running as many lists, searches, exports and uploads as it can. Record views and other pages still work. You are still signed in; try again in a few seconds.
outage-too-expensive = This list or search was too expensive: it took longer than the appliance allows and was stopped. Narrow it (a more specific search term, a status filter) and try again.
outage-statement-timeout = The database took longer than the appliance allows to answer this request, so it was stopped: the appliance is overloaded. You are still signed in; try again in a minute.
outage-database-unreachable = The appliance cannot reach its database right now (it may be restarting). You are still signed in; try again in a minute.

## The signed-in home and the account's own pages
home-welcome = Welcome, { $name }
home-signed-in-as = Signed in as { $name } ({ $role }).
home-unread = { $count ->
    [one] { $count } new security notification
   *[other] { $count } new security notifications
}
account-change-password = Change your password
account-passkeys = Passkeys and security keys
account-totp = Authenticator app
account-recovery-codes = Recovery codes
account-sessions = Your sessions
password-change = Change password
password-forced = Your password was set by an administrator. Choose your own before you continue.
password-current = Current password
password-new = New password (at least { $min } characters)
password-new-again = New password again
reauth-title = Confirm it is you
reauth-password = This part of the appliance needs your password again.
reauth-password-or-passkey = This part of the appliance needs your password or your passkey again.

## Setting up the appliance, and recovering an administrator at the console
setup-title = First administrator
setup-heading = Set up this appliance
setup-intro-before = Create the first administrator. You need the one-time setup token that custodiand wrote to its log
setup-intro-after = when it started; it is valid for one hour.
setup-token = Setup token
setup-username = Administrator's username
setup-button = Create administrator
setup-problem-username = Usernames are 2 to 63 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit.
setup-problem-differ = The two passwords differ.
# A form or query value refused as it came (the field's name as sent).
form-expired = This form expired or did not come from this appliance. Reload the page and try again.
field-refused = The field “{ $field }” { $problem }
field-nul = contains a NUL character; remove it and try again.
field-control = contains a control character; remove it and try again.
field-too-long = is { $length } characters long; at most { $max } are accepted. Shorten it and try again.
field-not-a-date = is not a date that exists; write it as YYYY-MM-DD (for example 2026-02-28).
recover-title = Recover an administrator account
recover-intro-before = Choose a new password for an administrator account with the recovery token that
recover-intro-after = printed at the appliance's console; it is valid for one hour and only for the account it names. The account's old password and second factors are gone: after signing in you enrol a second factor again. Every administrator is told.
recover-token = Recovery token
recover-username = Username of the account
recover-button = Set the new password
password-with-min = Password (at least { $min } characters)
password-again = Password again
word-or = or
