//! The frame of every page: `<head>`, the top bar, the navigation (signed
//! in), the breadcrumb and the footer. maud escapes every value; the only
//! raw output in the views is listed in `views/mod.rs`.

use maud::{html, Markup, DOCTYPE};

use crate::i18n::{self, t, t_with};

/// Who is looking, as far as the navigation needs to know. Built in one
/// place, [`super::viewer`], from the session; the views never look at a
/// role themselves.
#[derive(Debug, Clone, Default)]
pub(crate) struct Viewer {
    pub username: String,
    /// The catalogue key of the role's name ("role-analyst").
    pub role: &'static str,
    /// The administration pages to offer: (address, catalogue key, area).
    pub administration: Vec<(&'static str, &'static str, Area)>,
    /// The session still owes something (a second factor, its own
    /// password): only the way out is offered, not the rest of the site.
    pub restricted: bool,
    /// Unread security notifications, where the page already knows.
    pub unread: Option<i64>,
}

/// Where a page sits in the navigation (the link marked as current).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Area {
    #[default]
    Home,
    Bulletins,
    Actors,
    Incidents,
    Labels,
    Sources,
    Locations,
    Exports,
    Notifications,
    Account,
    Accounts,
    Sessions,
    Activity,
    Load,
    Backups,
    Settings,
    EventTypes,
    Updates,
    Import,
    ImportBulletins,
    /// No page of the navigation: an error page.
    Nowhere,
}

/// A link in a breadcrumb: its words and its address.
pub(crate) type Crumb<'a> = (&'a str, String);

/// What the frame needs to know about a page.
#[derive(Default)]
pub(crate) struct Page<'a> {
    /// The `<title>` (before "· Custodian") and the breadcrumb's last part.
    pub title: &'a str,
    /// The breadcrumb between "Home" and this page.
    pub trail: Vec<Crumb<'a>>,
    /// Signed in: the navigation. `None`: the anonymous frame.
    pub viewer: Option<&'a Viewer>,
    pub area: Area,
    /// The page's CSRF token, when it has one: the navigation's sign-out
    /// button uses it (without one, "Sign out" goes to the home page).
    pub csrf: Option<&'a str>,
    /// Load the passkey script (from this origin, deferred).
    pub passkeys: bool,
    /// Reload every this many seconds (no script needed).
    pub refresh: Option<u32>,
    /// Lay the page out wide (tables) rather than as a reading column.
    pub wide: bool,
    /// The home page (signed in or not): no "Home" before its title.
    pub home: bool,
}

impl<'a> Page<'a> {
    pub(crate) fn new(title: &'a str) -> Self {
        Page {
            title,
            ..Page::default()
        }
    }

    /// Signed in as `viewer`, in `area` of the navigation.
    pub(crate) fn signed(title: &'a str, viewer: &'a Viewer, area: Area) -> Self {
        Page {
            title,
            viewer: Some(viewer),
            area,
            ..Page::default()
        }
    }

    pub(crate) fn trail(mut self, label: &'a str, href: impl Into<String>) -> Self {
        self.trail.push((label, href.into()));
        self
    }

    pub(crate) fn csrf(mut self, csrf: &'a str) -> Self {
        self.csrf = Some(csrf);
        self
    }

    pub(crate) fn passkeys(mut self, yes: bool) -> Self {
        self.passkeys = yes;
        self
    }

    pub(crate) fn refresh(mut self, seconds: Option<u32>) -> Self {
        self.refresh = seconds;
        self
    }

    pub(crate) fn wide(mut self) -> Self {
        self.wide = true;
        self
    }

    pub(crate) fn home(mut self) -> Self {
        self.home = true;
        self
    }
}

/// A whole page around `body`.
pub(crate) fn layout(p: &Page<'_>, body: Markup) -> Markup {
    let signed = p.viewer.filter(|v| !v.restricted);
    let lang = i18n::current();
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex, nofollow";
                @if let Some(seconds) = p.refresh {
                    meta http-equiv="refresh" content=(seconds);
                }
                title { (p.title) " · Custodian" }
                link rel="stylesheet" href="/static/app.css";
                link rel="icon" href="/static/icon.svg" type="image/svg+xml";
                @if p.passkeys {
                    script src="/static/passkeys.js" defer {}
                }
            }
            body class=(if signed.is_some() { "signed" } else { "anonymous" }) {
                a.skip href="#content" { (t("skip-to-content")) }
                header.top {
                    a.brand href="/" { "Custodian" }
                    @if let Some(v) = p.viewer {
                        (who(v, p.csrf))
                    }
                }
                div.frame {
                    @if let Some(v) = signed {
                        (navigation(v, p.area))
                    }
                    main #content class=(if p.wide { "wide" } else { "column" }) {
                        (breadcrumb(p))
                        (body)
                    }
                }
                footer { (t("footer")) }
            }
        }
    }
}

/// The account in the top bar, and the way out.
fn who(v: &Viewer, csrf: Option<&str>) -> Markup {
    html! {
        div.who {
            span.account { bdi { (v.username) } " " span.muted { "(" (t(v.role)) ")" } }
            @if let Some(csrf) = csrf {
                form.signout method="post" action="/logout" {
                    input type="hidden" name="csrf" value=(csrf);
                    // An input, not a button: the page's own forms keep
                    // their first `button[type=submit]`.
                    input.signout type="submit" value=(t("sign-out"));
                }
            } @else {
                a.signout href="/" { (t("sign-out")) }
            }
        }
    }
}

fn link(href: &str, label: &str, current: bool) -> Markup {
    html! {
        li {
            @if current {
                a href=(href) aria-current="page" { (label) }
            } @else {
                a href=(href) { (label) }
            }
        }
    }
}

/// The navigation of a signed-in page: always the same, in the same place.
fn navigation(v: &Viewer, area: Area) -> Markup {
    let notifications = match v.unread {
        Some(n) if n > 0 => t_with("nav-notifications-new", &[("count", n.into())]),
        _ => t("nav-notifications"),
    };
    html! {
        nav.site aria-label=(t("landmark-site")) {
            h2 { (t("nav-records")) }
            ul {
                (link("/bulletins", &t("nav-bulletins"), area == Area::Bulletins))
                (link("/actors", &t("nav-actors"), area == Area::Actors))
                (link("/incidents", &t("nav-incidents"), area == Area::Incidents))
            }
            h2 { (t("nav-reference")) }
            ul {
                (link("/reference?kind=labels", &t("nav-labels"), area == Area::Labels))
                (link("/reference?kind=sources", &t("nav-sources"), area == Area::Sources))
                (link("/reference?kind=locations", &t("nav-locations"), area == Area::Locations))
            }
            h2 { (t("nav-work")) }
            ul {
                (link("/exports", &t("nav-exports"), area == Area::Exports))
                (link("/account/notifications", &notifications, area == Area::Notifications))
                (link("/", &t("nav-account"), area == Area::Account || area == Area::Home))
            }
            @if !v.administration.is_empty() {
                h2 { (t("nav-administration")) }
                ul {
                    @for (href, key, at) in &v.administration {
                        (link(href, &t(key), area == *at))
                    }
                }
            }
        }
    }
}

/// Home / … / this page.
fn breadcrumb(p: &Page<'_>) -> Markup {
    html! {
        nav.crumbs aria-label=(t("landmark-breadcrumb")) {
            ol {
                @if !p.home {
                    li { a href="/" { (t("crumb-home")) } }
                }
                @for (label, href) in &p.trail {
                    li { a href=(href) { (label) } }
                }
                // The current page is often a record's title (user text),
                // isolated so it does not reorder the trail around it.
                li aria-current="page" { bdi { (p.title) } }
            }
        }
    }
}

/// An error, as a paragraph the screen reader announces.
pub(crate) fn alert(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message {
            p.error role="alert" { (m) }
        }
    }
}

/// The hidden CSRF field every form carries.
pub(crate) fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// A moment as the reader's clock shows it: their time zone, with its
/// offset, the UTC value on hover and machine-readable in `datetime`. The
/// same digits and order (year first) in every language: numbers and
/// dates stay left to right inside Arabic sentences, and a date whose
/// order depends on the language is a date an investigator misreads.
pub(crate) fn when(at: std::time::SystemTime) -> Markup {
    moment(at, false)
}

/// [`when`] to the second, where the order of events within a minute
/// matters (the activity log).
pub(crate) fn when_to_the_second(at: std::time::SystemTime) -> Markup {
    moment(at, true)
}

fn moment(at: std::time::SystemTime, seconds: bool) -> Markup {
    let at = match jiff::Timestamp::try_from(at) {
        Ok(at) => at,
        // Outside jiff's range (years -9999 to 9999): no such time is
        // stored, but a page must not fail over one.
        Err(_) => return html! { "?" },
    };
    let zone = i18n::time_zone();
    let utc_zone = zone == jiff::tz::TimeZone::UTC;
    let local = at.to_zoned(zone);
    let clock = if seconds {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M"
    };
    let shown = match utc_zone {
        true => format!("{} UTC", local.strftime(clock)),
        false => format!("{} {}", local.strftime(clock), local.strftime("%:z")),
    };
    let utc = at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string();
    html! { time datetime=(at.to_string()) title=(utc) dir="ltr" { (shown) } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use custodian_core::identity::preferences::Preferences;

    #[tokio::test]
    async fn a_moment_is_shown_on_the_readers_clock_with_utc_beside_it() {
        let at: std::time::SystemTime = "2026-07-01T09:30:00Z"
            .parse::<jiff::Timestamp>()
            .expect("a timestamp")
            .into();
        assert!(when(at).into_string().contains(">2026-07-01 09:30 UTC<"));
        let damascus = i18n::scope(i18n::Lang::Ar, async {
            i18n::follow(&Preferences {
                language: None,
                time_zone: Some("Asia/Damascus".into()),
            });
            when(at).into_string()
                + &when_to_the_second(at + std::time::Duration::from_secs(7)).into_string()
        })
        .await;
        assert!(damascus.contains(">2026-07-01 12:30 +03:00<"), "{damascus}");
        assert!(
            damascus.contains(">2026-07-01 12:30:07 +03:00<"),
            "{damascus}"
        );
        assert!(
            damascus.contains(r#"title="2026-07-01 09:30:00 UTC""#),
            "{damascus}"
        );
        assert!(
            damascus.contains(r#"datetime="2026-07-01T09:30:00Z""#),
            "{damascus}"
        );
        // A zone the database does not know leaves the clock at UTC.
        let unknown = i18n::scope(i18n::Lang::En, async {
            i18n::follow(&Preferences {
                language: Some("xx".into()),
                time_zone: Some("Mars/Olympus".into()),
            });
            (when(at).into_string(), i18n::current())
        })
        .await;
        assert!(unknown.0.contains("09:30 UTC"), "{}", unknown.0);
        assert_eq!(unknown.1, i18n::Lang::En);
    }
}
