//! Routes of the evidence records (bulletins, actors, incidents: the
//! `Kind` comes from the route). Each handler first turns the session into a policy
//! [`Actor`] and asks the policy for a permit; without one it answers 403
//! and records the denial. Which rows exist for the actor is PostgreSQL's
//! row-level security, so an item the actor may not see is a 404 here,
//! not a 403 (no oracle for its existence).

use crate::i18n::{t, t_with};
use crate::input::query_param;
use crate::respond::see_other;
use custodian_core::error::Problem;
use http::{Request, StatusCode};

use super::views::{self, evidence as view};
use crate::app::App;
use crate::guard::csrf_for;
use crate::guard::{admit, admit_form, also};
use crate::input::field;
use crate::input::ReqBody;
use crate::respond::{html, Reply, WebError};
use crate::respond::{unavailable, unavailable_because};
use custodian_core::evidence::items::{self, Both, Content, Kind, ListQuery, Refused};
use custodian_core::evidence::pickers::{self, Reference};
use custodian_core::evidence::record_page;
use custodian_core::evidence::saved_searches;
use custodian_core::evidence::search_jobs;
use custodian_core::policy::workflow::Step;
use custodian_core::policy::{
    self, may_edit, AccessMedia, Action, Actor, BulkUpdate, ChangeWorkflow, CreateBulletin,
    EditBulletins, ReadBulletins, ReadHistory,
};

/// A positive id, or `None` (answered as "not found").
fn id_of(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|i| *i > 0)
}

fn not_found() -> WebError {
    StatusCode::NOT_FOUND.into()
}

/// The domain's refusal as its page, in its words.
pub(crate) fn refused(r: Refused) -> WebError {
    match r {
        Refused::NotFound(kind) => {
            WebError::explained(StatusCode::NOT_FOUND, items::not_found(kind))
        }
        Refused::Policy(why) => WebError::explained(StatusCode::FORBIDDEN, why),
        Refused::Invalid(why) => WebError::explained(StatusCode::BAD_REQUEST, why),
        Refused::Account(a) => unavailable_because(a),
    }
}

pub(crate) fn groups_of(text: &str) -> Vec<String> {
    let mut g: Vec<String> = text
        .split(',')
        .map(|s| custodian_core::evidence::sanitize::line(s, 60).to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    g.sort();
    g.dedup();
    g
}

pub(crate) async fn list(app: &App, req: &Request<impl Sized>, kind: Kind) -> Reply {
    let s = admit::<ReadBulletins, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let actor = s.actor().clone();
    let can_create = CreateBulletin::allowed(&actor);
    let bulk = BulkUpdate::allowed(&actor);
    let people = if bulk {
        items::candidates(db, &actor)
            .await
            .map_err(unavailable_because)?
    } else {
        Vec::new()
    };
    // Every list offers to save its search, which needs the token.
    let csrf = csrf_for(app, session).await?;
    let permit = &s.permit;
    // Everything the list asks for is read and checked in core; a
    // value it cannot use is the sender's to fix: a 400 that says what.
    let query = ListQuery::from_params(kind, permit.actor(), req.uri().query())
        .map_err(|e| super::input::bad_field(e.field(), &crate::i18n::problem(&e.problem())))?;
    let budget = Some(app.searches.interactive());
    let listing = match items::list(db, kind, permit, &session.username, &query, budget).await {
        Ok(listing) => listing,
        // A HEAD only asks about the page: it starts no work that
        // outlives it (nor takes the account's background slot).
        Err(items::ListError::OverBudget(e)) if req.method() == http::Method::HEAD => {
            return Err(unavailable_because(e))
        }
        // Too long to wait for: it goes on in the background (or, when
        // none can start now, is refused with what to do), never a 503.
        Err(items::ListError::OverBudget(e)) => {
            tracing::info!(target: "searches", kind = kind.noun(), error = %e, "list past its interactive budget; moved to the background");
            let by = &session.username;
            let id = search_jobs::start(
                std::sync::Arc::clone(db),
                &app.searches,
                permit,
                by,
                kind,
                &query,
            )
            .await
            .map_err(super::search_jobs::refused)?;
            return Ok(html(
                StatusCode::ACCEPTED,
                views::search_jobs::moved(&views::viewer(session), kind, id),
            ));
        }
        Err(items::ListError::Failed(e)) => return Err(unavailable_because(e)),
    };
    let saved = saved_searches::list(db, permit, kind)
        .await
        .map_err(unavailable_because)?;
    Ok(html(
        StatusCode::OK,
        view::list(
            &views::viewer(session),
            &view::ListView {
                kind,
                listing: &listing,
                query: &query,
                can_create,
                groups: policy::offers_group_filter(s.actor()),
                bulk: bulk.then_some((csrf.as_str(), people.as_slice())),
                saving: view::Saving {
                    csrf: &csrf,
                    saved: &saved,
                    groups: &s.actor().groups,
                },
            },
        ),
    ))
}

/// A text the form asks for in each language (`<name>_ar`, `<name>_en`).
/// A form without them (a script written before records were bilingual)
/// may post `<name>` alone: the text is then in the language of its script.
pub(crate) fn both<'a>(form: &'a [(String, String)], name: &str) -> Both<&'a str> {
    let (ar, en) = (format!("{name}_ar"), format!("{name}_en"));
    if form.iter().any(|(k, _)| *k == ar || *k == en) {
        Both {
            arabic: field(form, &ar),
            english: field(form, &en),
        }
    } else {
        Both::of_one(field(form, name))
    }
}

/// The form's values from a posted form: this kind's fields only.
fn content_of(kind: Kind, form: &[(String, String)]) -> Result<Content<'_>, Problem> {
    Ok(Content {
        title: both(form, "title"),
        description: both(form, "description"),
        details: kind.details(|k| field(form, k))?,
        access_groups: groups_of(field(form, "groups")),
    })
}

pub(crate) async fn new_form(app: &App, req: &Request<impl Sized>, kind: Kind) -> Reply {
    let s = admit::<CreateBulletin, _>(app, req).await?;
    let (session, _db) = (&s.session, &s.db);
    let csrf = csrf_for(app, session).await?;
    let values = view::FormValues {
        title: Both::default(),
        description: Both::default(),
        details: &serde_json::Value::Null,
        groups: "",
    };
    Ok(html(
        StatusCode::OK,
        view::form(&views::viewer(session), kind, &csrf, None, None, &values),
    ))
}

pub(crate) async fn create<B: ReqBody>(app: &App, req: Request<B>, kind: Kind) -> Reply {
    let (s, form) = admit_form::<CreateBulletin, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let permit = &s.permit;
    let outcome = match content_of(kind, &form) {
        Ok(content) => items::create(db, kind, permit, &session.username, &content).await,
        Err(problem) => Err(Refused::Invalid(problem)),
    };
    match outcome {
        Ok(id) => Ok(see_other(format!("{}/view?id={id}", kind.path()))),
        // The form again, with what was typed and what to put right.
        Err(Refused::Policy(problem) | Refused::Invalid(problem)) => {
            let problem = crate::i18n::problem(&problem);
            let csrf = csrf_for(app, session).await?;
            let typed = kind.details(|k| field(&form, k)).unwrap_or_default();
            let values = view::FormValues {
                title: both(&form, "title"),
                description: both(&form, "description"),
                details: &typed,
                groups: field(&form, "groups"),
            };
            Ok(html(
                StatusCode::BAD_REQUEST,
                view::form(
                    &views::viewer(session),
                    kind,
                    &csrf,
                    None,
                    Some(&problem),
                    &values,
                ),
            ))
        }
        Err(other) => Err(refused(other)),
    }
}

/// The workflow steps offered to `actor` on `b` (the server checks again
/// when one is posted).
fn offered_steps(actor: &Actor, b: &items::Record) -> Vec<(&'static str, &'static str, bool)> {
    // (value, catalogue key of its button, needs a person, step)
    let candidates: [(&'static str, &'static str, bool, Step); 6] = [
        ("assign", "step-assign", true, Step::Assign(0)),
        ("self-assign", "step-self-assign", false, Step::SelfAssign),
        ("submit", "step-submit", true, Step::Submit { reviewer: -1 }),
        ("accept", "step-accept", false, Step::Accept),
        ("send-back", "step-send-back", false, Step::SendBack),
        ("finalize", "step-finalize", false, Step::Finalize),
    ];
    candidates
        .into_iter()
        .filter(|(_, _, _, step)| policy::workflow::next(actor, b.item, *step).is_ok())
        .map(|(v, l, p, _)| (v, l, p))
        .collect()
}

pub(crate) async fn show(app: &App, req: &Request<impl Sized>, kind: Kind) -> Reply {
    let s = admit::<ReadBulletins, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let actor = s.actor().clone();
    let id = id_of(&query_param(req.uri().query(), "id")).ok_or_else(not_found)?;
    let media = policy::permit::<AccessMedia>(actor.clone()).ok();
    let page = record_page::read(db, kind, &s.permit, media.as_ref(), &session.username, id)
        .await
        .map_err(unavailable_because)?
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    let b = &page.record;
    let csrf = csrf_for(app, session).await?;
    let steps = if ChangeWorkflow::allowed(&actor) {
        offered_steps(&actor, b)
    } else {
        Vec::new()
    };
    let (can_edit, files, links) = (page.can_edit, page.files.as_deref(), &page.links);
    let mut finding = Vec::new();
    let choices = if let Some(mut c) = page.choices {
        // A look-up by name (`find_label=`): its list holds the matches,
        // folded as the type-ahead pickers fold them.
        let q = req.uri().query();
        for (r, list) in [
            (Reference::Label, &mut c.labels),
            (Reference::Source, &mut c.sources),
            (Reference::Location, &mut c.locations),
        ] {
            let name = format!("find_{}", r.word());
            let typed = super::input::text(q, &name, pickers::MAX_TYPED)?;
            if !typed.trim().is_empty() {
                *list = pickers::references(db, r, &typed)
                    .await
                    .map_err(unavailable_because)?;
                finding.push((r.word(), typed));
            }
        }
        // Offer no location to whoever may not attach one (the
        // server refuses it anyway).
        if !policy::EditLocations::allowed(&actor) {
            c.locations.clear();
            finding.retain(|(w, _)| *w != "location");
        }
        Some(c)
    } else {
        None
    };
    let actions = view::Actions {
        links,
        choices: choices.as_ref(),
        finding: &finding,
        csrf: &csrf,
        can_edit,
        can_history: ReadHistory::allowed(&actor),
        can_upload: can_edit && files.is_some() && app.media.is_some(),
        no_media_store: can_edit && files.is_some() && app.media.is_none(),
        steps,
        people: &page.people,
        files,
    };
    Ok(html(
        StatusCode::OK,
        view::view(&views::viewer(session), b, &actions, None),
    ))
}

pub(crate) async fn edit_form(app: &App, req: &Request<impl Sized>, kind: Kind) -> Reply {
    let s = admit::<EditBulletins, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let actor = s.actor().clone();
    let id = id_of(&query_param(req.uri().query(), "id")).ok_or_else(not_found)?;
    let read = also::<ReadBulletins, _>(&s).await?;
    let b = items::get(db, kind, &read, &session.username, id)
        .await
        .map_err(unavailable_because)?
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    if !may_edit(&actor, &b.item) {
        return Err(StatusCode::FORBIDDEN.into());
    }
    let csrf = csrf_for(app, session).await?;
    let groups = b.access_groups.join(", ");
    let values = view::FormValues {
        title: b.titles(),
        description: b.descriptions_html(),
        details: &b.details,
        groups: &groups,
    };
    Ok(html(
        StatusCode::OK,
        view::form(
            &views::viewer(session),
            kind,
            &csrf,
            Some(&b),
            None,
            &values,
        ),
    ))
}

pub(crate) async fn edit<B: ReqBody>(app: &App, req: Request<B>, kind: Kind) -> Reply {
    let (s, form) = admit_form::<EditBulletins, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let permit = &s.permit;
    let id = id_of(field(&form, "id")).ok_or_else(not_found)?;
    let content =
        content_of(kind, &form).map_err(|p| WebError::explained(StatusCode::BAD_REQUEST, p))?;
    match items::update(db, kind, permit, &session.username, id, &content).await {
        Ok(()) => Ok(see_other(format!("{}/view?id={id}", kind.path()))),
        // Says what was refused and what to do (nothing was saved).
        Err(r) => Err(refused(r)),
    }
}

pub(crate) async fn workflow<B: ReqBody>(app: &App, req: Request<B>, kind: Kind) -> Reply {
    let (s, form) = admit_form::<ChangeWorkflow, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let permit = &s.permit;
    let id = id_of(field(&form, "id")).ok_or_else(not_found)?;
    let person = field(&form, "user").parse::<i64>().unwrap_or(0);
    let step = match field(&form, "step") {
        "assign" => Step::Assign(person),
        "self-assign" => Step::SelfAssign,
        "submit" => Step::Submit { reviewer: person },
        "accept" => Step::Accept,
        "send-back" => Step::SendBack,
        "finalize" => Step::Finalize,
        _ => return Err(StatusCode::BAD_REQUEST.into()),
    };
    match items::step(db, kind, permit, &session.username, id, step).await {
        Ok(_) => Ok(see_other(format!("{}/view?id={id}", kind.path()))),

        // Says what was refused and what to do (nothing was saved).
        Err(r) => Err(refused(r)),
    }
}

/// Adds a relation, a label/source/location or an event to a record, or
/// withdraws a wrong one.
pub(crate) async fn links<B: ReqBody>(app: &App, req: Request<B>, kind: Kind) -> Reply {
    use custodian_core::evidence::links::{self, LinkChange, LinkTable};
    let (s, form) = admit_form::<EditBulletins, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let permit = &s.permit;
    let id = id_of(field(&form, "id")).ok_or_else(not_found)?;
    let number = |name: &str| field(&form, name).trim().parse::<i64>().ok();
    let link = match field(&form, "what") {
        "relation" => LinkChange::Relation {
            to: Kind::ALL
                .into_iter()
                .find(|k| k.noun() == field(&form, "to_kind"))
                .ok_or_else(|| WebError::from(StatusCode::BAD_REQUEST))?,
            to_id: number("to_id").filter(|n| *n > 0).ok_or_else(not_found)?,
            relation_type: field(&form, "relation_type"),
            certainty: field(&form, "certainty"),
            comment: field(&form, "comment"),
        },
        what @ ("label" | "source" | "location") => LinkChange::Reference {
            what,
            ref_id: number("ref_id").ok_or_else(|| WebError::from(StatusCode::BAD_REQUEST))?,
        },
        "event" => LinkChange::Event {
            event_type: number("event_type")
                .ok_or_else(|| WebError::from(StatusCode::BAD_REQUEST))?,
            location: number("location"),
            from: field(&form, "from"),
            to: field(&form, "to"),
            comment: field(&form, "comment"),
        },
        "withdraw" => {
            let (table, link_id) = field(&form, "link")
                .split_once(':')
                .and_then(|(t, n)| Some((LinkTable::parse(t)?, n.parse::<i64>().ok()?)))
                .ok_or_else(|| WebError::from(StatusCode::BAD_REQUEST))?;
            LinkChange::Withdraw {
                table,
                link_id,
                reason: field(&form, "reason"),
            }
        }
        _ => return Err(StatusCode::BAD_REQUEST.into()),
    };
    match links::change(db, permit, &session.username, kind, id, &link).await {
        Ok(()) => Ok(see_other(format!("{}/view?id={id}", kind.path()))),
        Err(Refused::Invalid(problem)) => {
            Err(WebError::explained(StatusCode::BAD_REQUEST, problem))
        }

        // Says what was refused and what to do (nothing was saved).
        Err(r) => Err(refused(r)),
    }
}

pub(crate) async fn history(app: &App, req: &Request<impl Sized>, kind: Kind) -> Reply {
    let s = admit::<ReadHistory, _>(app, req).await?;
    let (_session, db) = (&s.session, &s.db);
    let id = id_of(&query_param(req.uri().query(), "id")).ok_or_else(not_found)?;
    let permit = &s.permit;
    let revisions = items::history(db, kind, permit, id)
        .await
        .map_err(unavailable_because)?
        .ok_or_else(|| WebError::from(StatusCode::NOT_FOUND))?;
    Ok(html(
        StatusCode::OK,
        view::history(&views::viewer(&s.session), kind, id, &revisions),
    ))
}

/// At most this many records in one bulk change.
const BULK_MAX: usize = 250;

/// A workflow step over many bulletins (administrators and moderators,
/// with a recent password). Each item is checked on its own: one it may
/// not see is "not found", one whose state forbids the step is refused;
/// every item gets its own revision and activity entry, the batch one more.
pub(crate) async fn bulk<B: ReqBody>(app: &App, req: Request<B>, kind: Kind) -> Reply {
    let (s, form) = admit_form::<BulkUpdate, _>(app, req).await?;
    let (session, db) = (&s.session, &s.db);
    let step_permit = also::<ChangeWorkflow, _>(&s).await?;
    let person = field(&form, "user").parse::<i64>().unwrap_or(0);
    let step = match field(&form, "step") {
        "assign" => Step::Assign(person),
        "finalize" => Step::Finalize,
        _ => return Err(StatusCode::BAD_REQUEST.into()),
    };
    let ids: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse::<i64>().ok())
        .collect();
    if ids.is_empty() || ids.len() > BULK_MAX {
        return Err(WebError::explained(
            StatusCode::BAD_REQUEST,
            t_with("bulk-select-between", &[("max", (BULK_MAX as i64).into())]),
        ));
    }
    let mut rows = Vec::new();
    let (mut done, mut refused) = (0, 0);
    for id in &ids {
        let outcome = match items::step(db, kind, &step_permit, &session.username, *id, step).await
        {
            Ok(status) => {
                done += 1;
                t_with(
                    "bulk-now",
                    &[("status", t(view::status_key(status)).into())],
                )
            }
            Err(Refused::Account(_)) => return Err(unavailable()),
            Err(why) => {
                refused += 1;
                why.problem()
                    .map(|p| crate::i18n::problem(&p))
                    .unwrap_or_default()
            }
        };
        rows.push((*id, outcome));
    }
    db.record_after(
        &session.username,
        &format!("{}.bulk", kind.noun()),
        kind.path().trim_start_matches('/'),
        &serde_json::json!({"step": step.name(), "items": ids, "done": done, "refused": refused}),
    )
    .await;
    Ok(html(
        StatusCode::OK,
        view::bulk_done(
            &views::viewer(session),
            kind,
            step.name(),
            done,
            refused,
            &rows,
        ),
    ))
}
