//! `/pickers`: type-ahead look-ups for the record page's pickers (issue
//! 14). `GET /pickers?what=label&q=air` answers at most 20 matches as JSON
//! (`[{"id": 3, "title": "Airstrike"}]`); `what` is `label`, `source`,
//! `location`, `event_type`, `person` (accounts to assign or ask for
//! review), or a record kind (`bulletin`, `actor`, `incident`: records to
//! relate, under row-level security). Reference data is matched by either
//! language's name and answered with both (issue 16): `title` in the
//! reader's language with the other's beside it, its `lang`, and
//! `title_ar`, `title_en`. The look-ups themselves are in
//! `custodian_core::evidence::pickers`.

use http::{header, HeaderValue, Request, Response};
use serde_json::json;

use crate::app::App;
use crate::guard::admit;
use crate::input::query_param;
use crate::respond::unavailable_because;
use crate::respond::{Body, Reply};
use custodian_core::evidence::items::Kind;
use custodian_core::evidence::pickers::{self, Reference};
use custodian_core::policy::ReadBulletins;

fn json_reply(found: &[(i64, String)]) -> Response<Body> {
    json_of(
        found
            .iter()
            .map(|(id, title)| json!({"id": id, "title": title}))
            .collect(),
    )
}

fn json_of(body: Vec<serde_json::Value>) -> Response<Body> {
    let mut res = Response::new(http_body_util::Full::new(bytes::Bytes::from(
        serde_json::Value::Array(body).to_string(),
    )));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

pub(crate) async fn lookup(app: &App, req: &Request<impl Sized>) -> Reply {
    let s = admit::<ReadBulletins, _>(app, req).await?;
    let (db, actor) = (&s.db, s.actor());
    let q = req.uri().query();
    let what = query_param(q, "what");
    let typed = super::input::text(q, "q", pickers::MAX_TYPED)?;
    if let Some(r) = Reference::parse(&what) {
        let found = pickers::references(db, r, &typed)
            .await
            .map_err(unavailable_because)?;
        let body = found
            .iter()
            .map(|(id, names)| {
                let (lang, title) = super::views::name_text(names);
                json!({"id": id, "title": title, "lang": lang.as_str(),
                       "title_ar": names.arabic, "title_en": names.english})
            })
            .collect();
        return Ok(json_of(body));
    }
    let found = if what == "person" {
        pickers::people(db, actor, &typed).await.map(|found| {
            found
                .into_iter()
                .map(|(id, shown)| (id, crate::views::evidence::person(&shown)))
                .collect()
        })
    } else if let Some(kind) = Kind::ALL.into_iter().find(|k| k.noun() == what) {
        pickers::records(db, &s.permit, kind, &typed).await
    } else {
        return Err(super::input::bad_field(
            "what",
            &crate::i18n::t("pickers-what-unknown"),
        ));
    }
    .map_err(unavailable_because)?;
    Ok(json_reply(&found))
}
