//! Everything a record page shows, read in one transaction as the viewer.
//!
//! The page is the appliance's most requested one (issue 14 holds it to
//! 2,000 views a second on two cores), so it takes one pooled connection,
//! names the viewer once, and sends its reads in two pipelined rounds:
//! first what hangs on the record's id alone (the record, its links, its
//! files), then what depends on the record (the people it may be assigned
//! to, what an editor may add). Row-level security applies to every one of
//! them exactly as it did when each read took its own transaction.

use futures_util::future::{try_join, try_join3};

use super::act_as;
use super::items::{self, Kind, Record};
use super::links::{self, Choices, Links};
use super::media::{self, Listed};
use crate::error::CoreError;
use crate::policy::{may_edit, AccessMedia, Action, EditBulletins, Permit, ReadBulletins, Shown};
use crate::pool::Database;

pub struct RecordPage {
    pub record: Record,
    /// Who the workflow steps may name: the first accounts by name and the
    /// record's own assignee and reviewer.
    pub people: Vec<(i64, Shown)>,
    pub links: Links,
    /// The files, for a viewer who may see media on a kind that has them.
    pub files: Option<Vec<Listed>>,
    /// The viewer may edit this record (the policy's rule and the
    /// record's workflow state).
    pub can_edit: bool,
    /// What the page offers an editor to attach; `None` for other viewers.
    pub choices: Option<Choices>,
}

/// The page of record `id`, or `None` when the viewer may not see it (or
/// it does not exist: the two look the same). A page that is returned
/// has been recorded in the activity log as viewed by `username`.
pub async fn read(
    db: &Database,
    kind: Kind,
    permit: &Permit<ReadBulletins>,
    media: Option<&Permit<AccessMedia>>,
    username: &str,
    id: i64,
) -> Result<Option<RecordPage>, CoreError> {
    let actor = permit.actor();
    let mut c = db.client().await?;
    let tx = c.transaction().await?;
    act_as(&tx, actor).await?;
    let files = async {
        match media {
            Some(p) if kind == Kind::Bulletin => media::list_in(&tx, p, id).await.map(Some),
            _ => Ok(None),
        }
    };
    let (record, links, files) = try_join3(
        items::record_in(&tx, kind, actor, id),
        links::of_in(&tx, actor, kind, id),
        files,
    )
    .await?;
    let Some(record) = record else {
        tx.commit().await?;
        return Ok(None);
    };
    let can_edit = EditBulletins::allowed(actor) && may_edit(actor, &record.item);
    let choices = async {
        if can_edit {
            links::choices_in(&tx, super::pickers::PICKER_LIMIT)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    };
    let (people, choices) =
        try_join(items::view_candidates_in(&tx, actor, &record), choices).await?;
    tx.commit().await?;
    drop(c);
    items::record_viewed(db, username, kind, id).await?;
    Ok(Some(RecordPage {
        record,
        people,
        links,
        files,
        can_edit,
        choices,
    }))
}
