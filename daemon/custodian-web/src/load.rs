//! `/admin/load`, where administrators see the pool, the expensive
//! requests and how many requests were turned away per minute. (The page
//! of a 503 itself is made where every error's answer is: `respond.rs`.)

use http::{Request, StatusCode};

use super::views;
use crate::app::App;
use crate::guard::admit;
use crate::i18n::t;
use crate::respond::{html, Reply};
use custodian_core::policy::ViewLoad;

/// `/admin/load`: administrators (with a recent password, as every admin
/// page) see the database pool, the expensive requests running, and the
/// requests answered 503 per minute over the last hour, by cause. Only
/// memory is read: the page works while the database is overloaded.
pub(crate) async fn page(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ViewLoad, _>(app, req).await?;
    let session = &s.session;
    let load = &app.load;
    let mut rows = vec![(t("load-this-minute"), load.current_minute())];
    for m in load.history().iter().rev() {
        let when = m
            .ended
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| jiff::Timestamp::from_second(d.as_secs() as i64).ok())
            .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        rows.push((when, m.counts));
    }
    rows.push((t("load-since-start"), load.totals()));
    Ok(html(
        StatusCode::OK,
        views::admin::load(
            &views::viewer(session),
            &views::admin::LoadView {
                pool: load.pool(),
                limits: load.limits(),
                expensive_running: load.expensive_running(),
                rows,
            },
        ),
    ))
}
