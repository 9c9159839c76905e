//! Server-rendered pages. Every dynamic value goes through [`escape`]; the
//! markup carries no inline script or style, so the CSP can stay strict.

use std::fmt::Write;

/// HTML-escapes text for element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page around `body_html`, which the caller built from escaped
/// parts.
pub fn layout(title: &str, body_html: &str) -> String {
    page(title, body_html, "")
}

/// A page that loads the passkey script (from this origin, deferred).
fn layout_with_passkeys(title: &str, body_html: &str) -> String {
    page(
        title,
        body_html,
        "<script src=\"/static/passkeys.js\" defer></script>\n",
    )
}

fn page(title: &str, body_html: &str, head_extra: &str) -> String {
    let mut page = String::with_capacity(1024 + body_html.len());
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"robots\" content=\"noindex, nofollow\">\n\
<title>{} · Custodian</title>\n<link rel=\"stylesheet\" href=\"/static/app.css\">\n<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">\n{head_extra}</head>\n<body>\n\
<header class=\"top\"><a class=\"brand\" href=\"/\">Custodian</a></header>\n<main>\n{}\n</main>\n\
<footer>Custodian evidence appliance</footer>\n</body>\n</html>\n",
        escape(title),
        body_html
    );
    page
}

pub fn home() -> String {
    layout(
        "Welcome",
        "<section class=\"card\"><h1>Custodian</h1>\
<p>This appliance keeps documentation of human-rights violations: bulletins, actors, incidents \
and the media that support them, with a record of who did what and when.</p>\
<h2>Before you sign in</h2>\
<ul>\
<li>Accounts are created by the appliance administrators. There is no self-registration and no \
password reset by e-mail: if you are locked out, contact an administrator in person.</li>\
<li>Check that the address bar shows this appliance's name and a valid certificate. The appliance \
never asks for your password anywhere else.</li>\
<li>Every sign-in and every change is written to a tamper-evident activity log.</li>\
</ul>\
<h2>What this appliance does not do</h2>\
<ul>\
<li>It loads no scripts, fonts or images from other sites and sets no tracking cookies.</li>\
<li>It does not share data with third parties.</li>\
</ul>\
<h2>If something seems wrong</h2>\
<p>A sign-in you did not make, a warning about the certificate, or a page that asks for more than \
your own credentials: stop, do not enter anything, and tell an administrator.</p>\
<p><a class=\"button\" href=\"/login\">Sign in</a></p></section>",
    )
}

/// Error pages say what happened in plain words and never why inside.
pub fn error(status: http::StatusCode) -> String {
    error_with(status, error_text(status))
}

/// The plain words for `status`.
pub fn error_text(status: http::StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "The request could not be understood.",
        403 => "You are not allowed to do this.",
        404 => "There is nothing at this address.",
        405 => "This address does not accept that kind of request.",
        408 => "The request took too long to arrive.",
        413 => "The request is larger than this address accepts.",
        415 => "This address does not accept that content type.",
        429 => "Please wait a moment and try again.",
        503 => "The appliance could not complete this request now: a service it needs is unavailable or overloaded. Please try again shortly.",
        _ => "The appliance could not complete the request.",
    }
}

fn message_html(message: Option<&str>) -> String {
    message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default()
}

pub fn login(csrf: &str, message: Option<&str>, username: &str, notice: &str) -> String {
    let notice = if notice.is_empty() {
        String::new()
    } else {
        format!("<p class=\"notice\">{}</p>", escape(notice))
    };
    layout(
        "Sign in",
        &format!(
            "<section class=\"card narrow\"><h1>Sign in</h1>{notice}{}\
<form method=\"post\" action=\"/login\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"username\">Username</label>\
<input id=\"username\" name=\"username\" autocomplete=\"username\" required maxlength=\"63\" value=\"{}\">\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required maxlength=\"1024\">\
<button type=\"submit\">Sign in</button></form>\
<p class=\"muted\">Forgot your password? Ask an administrator of this appliance in person.</p></section>",
            message_html(message),
            escape(csrf),
            escape(username)
        ),
    )
}

pub fn setup(csrf: &str, message: Option<&str>, username: &str, min_length: usize) -> String {
    token_and_password(
        &TokenForm {
            title: "First administrator",
            heading: "Set up this appliance",
            intro: "Create the first administrator. You need the one-time setup token that custodiand wrote to its log \
(<code>journalctl -u custodiand</code>) when it started; it is valid for one hour.",
            action: "/setup",
            token_label: "Setup token",
            username_label: "Administrator's username",
            button: "Create administrator",
        },
        csrf,
        message,
        username,
        min_length,
    )
}

/// The page for a recovery token issued at the console.
pub fn recover(csrf: &str, message: Option<&str>, username: &str, min_length: usize) -> String {
    token_and_password(
        &TokenForm {
            title: "Recover an administrator account",
            heading: "Recover an administrator account",
            intro: "Choose a new password for an administrator account with the recovery token that \
<code>custodianctl account recover-admin</code> (or <code>confirm-admin</code>) printed at the appliance's console; \
it is valid for one hour and only for the account it names. The account's old password and second factors are gone: \
after signing in you enrol a second factor again. Every administrator is told.",
            action: "/recover",
            token_label: "Recovery token",
            username_label: "Username of the account",
            button: "Set the new password",
        },
        csrf,
        message,
        username,
        min_length,
    )
}

/// The words of a page that takes a one-time token, a username and a new
/// password (setup and console recovery).
struct TokenForm {
    title: &'static str,
    heading: &'static str,
    /// Trusted HTML.
    intro: &'static str,
    action: &'static str,
    token_label: &'static str,
    username_label: &'static str,
    button: &'static str,
}

fn token_and_password(
    f: &TokenForm,
    csrf: &str,
    message: Option<&str>,
    username: &str,
    min_length: usize,
) -> String {
    layout(
        f.title,
        &format!(
            "<section class=\"card narrow\"><h1>{}</h1><p>{}</p>{}\
<form method=\"post\" action=\"{}\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"token\">{}</label>\
<input id=\"token\" name=\"token\" autocomplete=\"off\" required maxlength=\"64\">\
<label for=\"username\">{}</label>\
<input id=\"username\" name=\"username\" autocomplete=\"username\" required maxlength=\"63\" value=\"{}\">\
<label for=\"password\">Password (at least {} characters)</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required maxlength=\"1024\">\
<label for=\"confirm\">Password again</label>\
<input id=\"confirm\" name=\"confirm\" type=\"password\" autocomplete=\"new-password\" required maxlength=\"1024\">\
<button type=\"submit\">{}</button></form></section>",
            f.heading,
            f.intro,
            message_html(message),
            f.action,
            escape(csrf),
            f.token_label,
            f.username_label,
            escape(username),
            min_length,
            f.button
        ),
    )
}

pub fn signed_in(username: &str, role: &str, csrf: &str, unread: i64) -> String {
    let notice = if unread > 0 {
        format!(
            "<p class=\"notice\" role=\"status\"><a href=\"/account/notifications\">{unread} new security notification{}</a></p>",
            if unread == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    layout(
        "Home",
        &format!(
            "<section class=\"card\"><h1>Welcome, {}</h1><p class=\"muted\">Signed in as {} ({}).</p>{notice}\
<ul class=\"links\"><li><a href=\"/bulletins\">Bulletins</a>, <a href=\"/actors\">actors</a>, <a href=\"/incidents\">incidents</a></li>\
<li><a href=\"/exports\">Exports</a></li>\
<li><a href=\"/reference?kind=labels\">Labels</a>, <a href=\"/reference?kind=sources\">sources</a>, <a href=\"/reference?kind=locations\">locations</a></li>\
<li><a href=\"/account/password\">Change your password</a></li>\
<li><a href=\"/account/passkeys\">Passkeys and security keys</a></li>\
<li><a href=\"/account/totp\">Authenticator app</a></li>\
<li><a href=\"/account/recovery-codes\">Recovery codes</a></li>\
<li><a href=\"/account/sessions\">Your sessions</a></li>\
<li><a href=\"/account/notifications\">Notifications</a></li>{}</ul>\
<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<button type=\"submit\">Sign out</button></form></section>",
            escape(username),
            escape(username),
            escape(role),
            if role == "admin" {
                "<li><a href=\"/admin/users\">Accounts</a></li><li><a href=\"/admin/sessions\">All sessions</a></li><li><a href=\"/admin/activity\">Activity</a></li><li><a href=\"/admin/load\">Load</a></li><li><a href=\"/admin/settings\">Settings</a></li><li><a href=\"/admin/event-types\">Event types</a></li><li><a href=\"/admin/updates\">Updates</a></li><li><a href=\"/admin/import\">Import</a></li>"
            } else {
                ""
            },
            escape(csrf)
        ),
    )
}

/// What the pages that need the media store (files on a bulletin,
/// exports) say when custodiand runs without one: the setting to add.
pub const NO_MEDIA_STORE: &str = "This appliance has no media store, so it cannot keep files or exports. \
Its administrator adds a [storage] section to custodiand's configuration file, with \
dir = \"/var/lib/custodian/media\" (a directory custodiand's account owns), and restarts custodiand.";

/// An error page with a specific, user-facing explanation.
pub fn error_with(status: http::StatusCode, text: &str) -> String {
    let title = match status.as_u16() {
        400 => "Bad request",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        408 => "Request timeout",
        413 => "Too large",
        415 => "Unsupported type",
        429 => "Too many requests",
        503 => "Unavailable",
        _ => "Something went wrong",
    };
    layout(
        title,
        &format!(
            "<section class=\"card\"><h1>{}</h1><p>{}</p></section>",
            escape(title),
            escape(text)
        ),
    )
}

pub fn change_password(
    csrf: &str,
    message: Option<&str>,
    forced: bool,
    min_length: usize,
) -> String {
    let intro = if forced {
        "<p>Your password was set by an administrator. Choose your own before you continue.</p>"
    } else {
        ""
    };
    layout(
        "Change password",
        &format!(
            "<section class=\"card narrow\"><h1>Change password</h1>{intro}{}\
<form method=\"post\" action=\"/account/password\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"current\">Current password</label>\
<input id=\"current\" name=\"current\" type=\"password\" autocomplete=\"current-password\" required maxlength=\"1024\">\
<label for=\"password\">New password (at least {min_length} characters)</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required maxlength=\"1024\">\
<label for=\"confirm\">New password again</label>\
<input id=\"confirm\" name=\"confirm\" type=\"password\" autocomplete=\"new-password\" required maxlength=\"1024\">\
<button type=\"submit\">Change password</button></form></section>",
            message_html(message),
            escape(csrf)
        ),
    )
}

pub fn reauth(csrf: &str, message: Option<&str>, next: &str, passkey: bool) -> String {
    let (wrap, key) = if passkey {
        (
            layout_with_passkeys as fn(&str, &str) -> String,
            passkey_button("reauth", "/reauth/passkey", csrf, next, "Use your passkey"),
        )
    } else {
        (layout as fn(&str, &str) -> String, String::new())
    };
    wrap(
        "Confirm it is you",
        &format!(
            "<section class=\"card narrow\"><h1>Confirm it is you</h1>\
<p>This part of the appliance needs your password{} again.</p>{}{key}\
<form method=\"post\" action=\"/reauth\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"next\" value=\"{}\">\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required maxlength=\"1024\">\
<button type=\"submit\">Continue</button></form></section>",
            if passkey { " or your passkey" } else { "" },
            message_html(message),
            escape(csrf),
            escape(next)
        ),
    )
}

/// A passkey button, hidden until the script shows it (so a browser
/// without JavaScript never sees a button that cannot work).
fn passkey_button(kind: &str, endpoint: &str, csrf: &str, next: &str, label: &str) -> String {
    format!(
        "<p><button type=\"button\" hidden data-passkey=\"{}\" data-endpoint=\"{}\" data-csrf=\"{}\" \
data-next=\"{}\" data-name-input=\"passkey-name\" data-status=\"passkey-status\">{}</button></p>\
<p id=\"passkey-status\" class=\"muted\" role=\"status\" aria-live=\"polite\"></p>",
        escape(kind),
        escape(endpoint),
        escape(csrf),
        escape(next),
        escape(label)
    )
}

/// The passkey list: names, kind, dates, a remove button each, and the
/// registration button. `required` explains a pending obligation.
pub fn passkeys(
    csrf: &str,
    keys: &[custodian_core::identity::passkeys::Listed],
    message: Option<&str>,
    required: Option<custodian_core::identity::sessions::Enrolment>,
) -> String {
    use custodian_core::identity::sessions::Enrolment;
    let intro = match required {
        Some(Enrolment::HardwareKey) => "<p class=\"notice\" role=\"status\">Your role requires a hardware security key \
(one that cannot be copied off the device). Register one before you continue.</p>",
        Some(Enrolment::SecondFactor) => "<p class=\"notice\" role=\"status\">Your account needs a second factor. \
Register a passkey or security key here, or <a href=\"/account/totp\">set up an authenticator app</a>.</p>",
        None => "",
    };
    let mut table = String::new();
    if keys.is_empty() {
        table.push_str("<p class=\"muted\">No passkeys yet.</p>");
    } else {
        table.push_str("<table><thead><tr><th>Name</th><th>Kind</th><th>Added</th><th>Last used</th><th></th></tr></thead><tbody>");
        for k in keys {
            let _ = write!(
                table,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>\
<form method=\"post\" action=\"/account/passkeys\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<input type=\"hidden\" name=\"remove\" value=\"{}\"><button type=\"submit\" class=\"small\">Remove</button></form></td></tr>",
                escape(&k.name),
                if k.hardware { "hardware key" } else { "synced passkey" },
                escape(&k.created),
                escape(&k.last_used),
                escape(csrf),
                k.id
            );
        }
        table.push_str("</tbody></table>");
    }
    layout_with_passkeys(
        "Passkeys",
        &format!(
            "<section class=\"card\"><h1>Passkeys and security keys</h1>{intro}{}{table}\
<h2>Add one</h2><p>Name it after the device, so you can tell your keys apart later.</p>\
<label for=\"passkey-name\">Name</label><input id=\"passkey-name\" maxlength=\"60\" autocomplete=\"off\">\
{}<noscript><p class=\"muted\">Registering a passkey needs JavaScript; everything else works without it.</p></noscript></section>",
            message_html(message),
            passkey_button("register", "/account/passkeys", csrf, "", "Register a passkey"),
        ),
    )
}

pub fn notifications(
    csrf: &str,
    rows: &[custodian_core::identity::notifications::Listed],
) -> String {
    let mut list = String::new();
    if rows.is_empty() {
        list.push_str("<p class=\"muted\">Nothing to report.</p>");
    } else {
        list.push_str("<ul class=\"notifications\">");
        for n in rows {
            let _ = write!(
                list,
                "<li class=\"{}\"><span class=\"muted\">{}</span> {}</li>",
                if n.unread { "unread" } else { "read" },
                escape(&n.created),
                escape(&n.message)
            );
        }
        list.push_str("</ul>");
    }
    layout(
        "Notifications",
        &format!(
            "<section class=\"card\"><h1>Security notifications</h1>{list}\
<form method=\"post\" action=\"/account/notifications\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<button type=\"submit\">Mark all as read</button></form></section>",
            escape(csrf)
        ),
    )
}

/// The account list and the form to add one. `created` shows a new
/// account's one-time password, once.
/// The accounts page of the administrator `me`: one row per account, its
/// actions folded away (a row of fourteen buttons is no page to work on
/// all day), waiting confirmations shown in the open, and none of the
/// actions the server refuses on one's own account.
pub fn accounts(
    rows: &[custodian_core::identity::accounts::AccountRow],
    me: &str,
    csrf: &str,
    message: Option<&str>,
    created: Option<(&str, &str)>,
) -> String {
    let mut table = String::from(
        "<table><thead><tr><th>Username</th><th>Role</th><th>State</th><th>Notes</th><th>Actions</th></tr></thead><tbody>",
    );
    for (n, r) in rows.iter().enumerate() {
        let mut notes = Vec::new();
        if r.locked {
            notes.push("locked");
        }
        if r.must_change_password {
            notes.push("must change password");
        }
        for kind in &r.pending {
            notes.push(match kind.as_str() {
                "grant-admin" => "administrator: waiting for a second administrator",
                "reset-password" => "password reset: waiting for a second administrator",
                _ => "second-factor reset: waiting for a second administrator",
            });
        }
        let user = escape(&r.username);
        let button = |action: &str, label: &str| {
            format!(
                "<form method=\"post\" action=\"/admin/users/state\" class=\"inline\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"username\" value=\"{user}\">\
<input type=\"hidden\" name=\"action\" value=\"{action}\"><button type=\"submit\" class=\"small\">{label}</button></form>",
                escape(csrf)
            )
        };
        let actions = if r.username == me {
            "<span class=\"muted\">Your own account: change your password and second factors on \
<a href=\"/\">your account pages</a>; another administrator changes its state.</span>"
                .to_owned()
        } else {
            // A different administrator confirms (after step-up, like
            // every action on this page) what another one asked for: in
            // the open, not folded away.
            let mut open = String::new();
            for kind in &r.pending {
                open.push_str(&match kind.as_str() {
                    "grant-admin" => button("confirm-admin", "Confirm administrator"),
                    "reset-second-factor" => {
                        button("confirm-reset-totp", "Confirm second-factor reset")
                    }
                    "reset-password" => button("confirm-reset-password", "Confirm password reset"),
                    _ => String::new(),
                });
            }
            let mut more = String::new();
            if r.state == "active" {
                more.push_str(&button("suspend", "Suspend"));
                more.push_str(&button("disable", "Disable"));
            } else {
                more.push_str(&button("activate", "Activate"));
            }
            if r.locked {
                more.push_str(&button("unlock", "Unlock"));
            }
            more.push_str(&button("reset-totp", "Reset second factor"));
            more.push_str(&button("force-password-change", "Force password change"));
            let options: String = custodian_core::identity::accounts::ROLES
                .iter()
                .filter(|role| **role != r.role)
                .map(|role| format!("<option value=\"role-{role}\">{role}</option>"))
                .collect();
            let _ = write!(
                more,
                "<form method=\"post\" action=\"/admin/users/state\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"username\" value=\"{user}\">\
<label for=\"role-{n}\">New role</label><select id=\"role-{n}\" name=\"action\">{options}</select>\
<button type=\"submit\" class=\"small\">Change role</button></form>\
<form method=\"post\" action=\"/admin/users/state\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"username\" value=\"{user}\">\
<input type=\"hidden\" name=\"action\" value=\"reset-password\">\
<label for=\"reason-{n}\">Reason for a password reset (kept in the activity log)</label>\
<input id=\"reason-{n}\" name=\"reason\" required maxlength=\"500\">\
<button type=\"submit\" class=\"small\">Reset password</button></form>\
<a class=\"small\" href=\"/admin/users/permissions?username={user}\">Permissions</a>",
                csrf = escape(csrf)
            );
            format!(
                "{open}<details class=\"actions\"><summary>Actions for {user}</summary>{more}</details>"
            )
        };
        let _ = write!(
            table,
            "<tr><td>{user}</td><td>{}</td><td>{}</td><td class=\"muted\">{}</td><td>{actions}</td></tr>",
            escape(&r.role),
            escape(&r.state),
            escape(&notes.join(", "))
        );
    }
    table.push_str("</tbody></table>");
    let created_html = created
        .map(|(user, password)| {
            format!(
                "<p class=\"notice\" role=\"status\">The one-time password of <strong>{}</strong> is \
<code class=\"secret\">{}</code>. Give it to the person directly; it is shown only now, and they must change it at \
their next sign-in.</p>",
                escape(user),
                escape(password)
            )
        })
        .unwrap_or_default();
    let roles: String = custodian_core::identity::accounts::ROLES
        .iter()
        .map(|r| format!("<option value=\"{r}\">{r}</option>"))
        .collect();
    layout(
        "Accounts",
        &format!(
            "<section class=\"card\"><h1>Accounts</h1>{created_html}{}{table}\
<h2>Add an account</h2><form method=\"post\" action=\"/admin/users\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<label for=\"username\">Username</label><input id=\"username\" name=\"username\" required maxlength=\"63\">\
<label for=\"role\">Role</label><select id=\"role\" name=\"role\">{roles}</select>\
<button type=\"submit\">Add account</button></form>\
<h2>After an incident</h2><form method=\"post\" action=\"/admin/users/state\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<input type=\"hidden\" name=\"username\" value=\"*\"><input type=\"hidden\" name=\"action\" value=\"force-password-change\">\
<label class=\"check\"><input type=\"checkbox\" name=\"confirm\" value=\"every-account\" required> \
I understand: every account but mine is signed out at once and must choose a new password at its next sign-in.</label>\
<button type=\"submit\">Force every other account to change its password</button></form></section>",
            message_html(message),
            csrf = escape(csrf)
        ),
    )
}

/// The second step of signing in: the passkey button when the account has
/// one, and the code form (authenticator code, or a recovery code).
pub fn second_step(csrf: &str, message: Option<&str>, passkey: bool, totp: bool) -> String {
    let key = if passkey {
        passkey_button("login", "/login/passkey", csrf, "", "Use your passkey")
    } else {
        String::new()
    };
    let (label, hint) = if totp {
        (
            "Authenticator code or recovery code",
            "Or enter the six-digit code your authenticator app shows for Custodian.",
        )
    } else {
        (
            "Recovery code",
            "Lost your key? Enter one of your recovery codes.",
        )
    };
    let wrap = if passkey {
        layout_with_passkeys
    } else {
        layout
    };
    wrap(
        "Second factor",
        &format!(
            "<section class=\"card narrow\"><h1>Second factor</h1>{}{key}<p>{hint}</p>\
<form method=\"post\" action=\"/login/totp\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"code\">{label}</label>\
<input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" required maxlength=\"24\">\
<button type=\"submit\">Continue</button></form></section>",
            message_html(message),
            escape(csrf)
        ),
    )
}

/// Enrolment: the QR code (inline SVG from our own encoder), the secret in
/// text for manual entry, and the confirmation form.
pub fn totp_enrol(csrf: &str, message: Option<&str>, qr_svg: &str, secret_base32: &str) -> String {
    layout(
        "Authenticator app",
        &format!(
            "<section class=\"card narrow\"><h1>Set up an authenticator app</h1>\
<p>Your account needs a second factor. Scan this code with an authenticator app, or type the key \
below into it, then enter the six-digit code it shows.</p>{}\
<div class=\"qr\">{qr_svg}</div><p>Key: <code class=\"secret\">{}</code></p>\
<form method=\"post\" action=\"/account/totp\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"code\">Code from the app</label>\
<input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required maxlength=\"7\">\
<button type=\"submit\">Confirm</button></form></section>",
            message_html(message),
            escape(secret_base32),
            escape(csrf)
        ),
    )
}

/// The recovery-codes page: how many remain, and (right after generating)
/// the new codes, shown this once.
pub fn recovery_codes(csrf: &str, remaining: i64, fresh_codes: Option<&[String]>) -> String {
    let codes = fresh_codes
        .map(|codes| {
            let items: String = codes.iter().map(|c| format!("<li><code class=\"secret\">{}</code></li>", escape(c))).collect();
            format!(
                "<p class=\"notice\" role=\"status\">Your new recovery codes. Write them down or print them and keep them \
somewhere safe: each works once, and they are shown only now.</p><ol class=\"codes\">{items}</ol>"
            )
        })
        .unwrap_or_default();
    layout(
        "Recovery codes",
        &format!(
            "<section class=\"card narrow\"><h1>Recovery codes</h1>{codes}\
<p>If you lose your authenticator app, a recovery code gets you in once. You have {remaining} unused.</p>\
<form method=\"post\" action=\"/account/recovery-codes\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<button type=\"submit\">Generate new codes</button></form>\
<p class=\"muted\">New codes replace all old ones.</p></section>",
            escape(csrf)
        ),
    )
}

/// Sessions with a button to end each; `action` is where the form posts.
pub fn sessions(
    title: &str,
    rows: &[custodian_core::identity::sessions::Listed],
    csrf: &str,
    action: &str,
    show_user: bool,
) -> String {
    let mut table = String::from("<table><thead><tr>");
    if show_user {
        table.push_str("<th>Account</th>");
    }
    table.push_str("<th>Signed in</th><th>Last seen</th><th>From</th><th>Browser</th><th></th></tr></thead><tbody>");
    for r in rows {
        table.push_str("<tr>");
        if show_user {
            let _ = write!(table, "<td>{}</td>", escape(&r.username));
        }
        let _ = write!(
            table,
            "<td>{}</td><td>{}</td><td>{}</td><td class=\"muted\">{}</td><td>",
            escape(&r.created),
            escape(&r.last_seen),
            escape(&r.peer),
            escape(&r.user_agent.chars().take(60).collect::<String>())
        );
        if r.current {
            table.push_str("<span class=\"muted\">this session</span>");
        } else {
            let _ = write!(
                table,
                "<form method=\"post\" action=\"{}\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<input type=\"hidden\" name=\"session\" value=\"{}\"><button type=\"submit\" class=\"small\">End</button></form>",
                escape(action),
                escape(csrf),
                escape(&r.handle)
            );
        }
        table.push_str("</td></tr>");
    }
    table.push_str("</tbody></table>");
    layout(
        title,
        &format!(
            "<section class=\"card\"><h1>{}</h1>{table}</section>",
            escape(title)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;"
        );
    }

    #[test]
    fn pages_have_no_inline_script_or_style() {
        for page in [
            home(),
            error(http::StatusCode::NOT_FOUND),
            error(http::StatusCode::INTERNAL_SERVER_ERROR),
        ] {
            assert!(!page.contains("<script"), "{page}");
            assert!(!page.contains("<style"), "{page}");
            assert!(!page.contains("style="), "{page}");
        }
    }
}
