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
