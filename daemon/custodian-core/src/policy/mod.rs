//! The one place that decides who may do what (feature matrix B1–B4).
//!
//! Handlers obtain a [`Permit`] for an action from [`permit`]; the data
//! functions in `evidence` take a `&Permit<A>` and cannot be called without
//! one, so a route cannot reach evidence without a decision made here.
//! Deny by default: an action not granted below is refused. Object-level
//! rules (who may edit *this* bulletin, which workflow step is allowed)
//! are [`may_edit`] and [`workflow::next`]; reads are additionally limited
//! in PostgreSQL by row-level security (`migrations/0006_bulletins.sql`).

pub mod workflow;

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Admin,
    Moderator,
    Analyst,
    ReadOnly,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "moderator" => Some(Self::Moderator),
            "analyst" => Some(Self::Analyst),
            "readonly" => Some(Self::ReadOnly),
            _ => None,
        }
    }

    /// The role's name as stored and configured.
    pub fn key(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Moderator => "moderator",
            Self::Analyst => "analyst",
            Self::ReadOnly => "readonly",
        }
    }

    /// Administrators and moderators manage content.
    pub fn manages(self) -> bool {
        matches!(self, Self::Admin | Self::Moderator)
    }
}

/// The per-account flags of Bayanat, kept for parity (B2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ViewUsernames,
    ViewSimpleHistory,
    ViewFullHistory,
    CanSelfAssign,
    CanEditLocations,
    CanExport,
    CanAccessMedia,
}

impl Permission {
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleDefaults {
    permissions: Vec<Permission>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionsFile {
    roles: std::collections::BTreeMap<String, RoleDefaults>,
}

const PERMISSIONS_TOML: &str = include_str!("../../../../policy/permissions.toml");

fn parse_defaults() -> Result<PermissionsFile, crate::error::PolicyFileError> {
    toml::from_str(PERMISSIONS_TOML).map_err(|source| crate::error::PolicyFileError::Parse {
        file: "permissions.toml",
        source,
    })
}

/// The role's default flags from `policy/permissions.toml` (empty if the
/// file lacks the role: deny by default).
pub fn defaults(role: Role) -> BTreeSet<Permission> {
    static FILE: OnceLock<Option<PermissionsFile>> = OnceLock::new();
    FILE.get_or_init(|| parse_defaults().ok())
        .as_ref()
        .and_then(|f| f.roles.get(role.key()))
        .map(|r| r.permissions.iter().copied().collect())
        .unwrap_or_default()
}

/// Who is asking, as the policy sees them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    permissions: BTreeSet<Permission>,
    pub groups: Vec<String>,
}

impl Actor {
    /// `explicit` flags replace the role's defaults when present; unknown
    /// flag names are ignored (deny by default).
    pub fn new(user_id: i64, role: Role, explicit: Option<&[String]>, groups: Vec<String>) -> Self {
        let permissions = match explicit {
            Some(flags) => flags.iter().filter_map(|f| Permission::parse(f)).collect(),
            None => defaults(role),
        };
        Self {
            user_id,
            role,
            permissions,
            groups,
        }
    }

    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// How another account is shown to this actor: by name only with
    /// `view_usernames` (B7).
    pub fn shows_user(&self, id: Option<i64>, name: Option<&str>) -> Shown {
        match (id, name) {
            (None, _) => Shown::Nobody,
            (Some(id), _) if id == self.user_id => Shown::You,
            (Some(_), Some(name)) if self.has(Permission::ViewUsernames) => {
                Shown::Name(name.to_owned())
            }
            (Some(id), _) => Shown::Numbered(id),
        }
    }
}

/// An account (or none) as an actor may see it: the web layer words
/// `Nobody`, `You` and `Numbered` in the reader's language and shows a
/// `Name` as it is, so an account named "you" is never taken for the
/// reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Nobody,
    You,
    Name(String),
    /// Without `view_usernames`: the account's number (`user-N`).
    Numbered(i64),
}

/// The policy refused; the handler answers 403 and records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub &'static str);

/// An action a route may ask for.
pub trait Action {
    const NAME: &'static str;
    /// Needs a password (or passkey) entered within the step-up window
    /// (`identity::sessions::STEP_UP_MINUTES`).
    const STEP_UP: bool = false;
    /// What the route table shows for a route that asks for this action.
    const INFO: ActionInfo = ActionInfo {
        name: Self::NAME,
        step_up: Self::STEP_UP,
    };
    fn allowed(actor: &Actor) -> bool;
}

/// An action's name and whether it needs step-up: what a route table
/// entry states, read from the action so it is never kept twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionInfo {
    pub name: &'static str,
    pub step_up: bool,
}

/// Whether `actor` would be allowed `A`, for showing or hiding a link or a
/// menu. It grants nothing: doing `A` still takes a [`Permit`].
pub fn would_allow<A: Action>(actor: &Actor) -> bool {
    A::allowed(actor)
}

/// Proof that the policy allowed `A` for this actor. Only [`permit`] makes
/// one.
pub struct Permit<A: Action> {
    actor: Actor,
    _action: PhantomData<A>,
}

impl<A: Action> Permit<A> {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

pub fn permit<A: Action>(actor: Actor) -> Result<Permit<A>, Denied> {
    if A::allowed(&actor) {
        Ok(Permit {
            actor,
            _action: PhantomData,
        })
    } else {
        Err(Denied(A::NAME))
    }
}

pub struct ReadBulletins;
impl Action for ReadBulletins {
    const NAME: &'static str = "bulletins.read";
    fn allowed(_: &Actor) -> bool {
        // Every role reads; which items is row-level security's answer.
        true
    }
}

pub struct CreateBulletin;
impl Action for CreateBulletin {
    const NAME: &'static str = "bulletins.create";
    fn allowed(a: &Actor) -> bool {
        a.role != Role::ReadOnly
    }
}

/// Editing in general; which bulletin is [`may_edit`].
pub struct EditBulletins;
impl Action for EditBulletins {
    const NAME: &'static str = "bulletins.edit";
    fn allowed(a: &Actor) -> bool {
        a.role != Role::ReadOnly
    }
}

/// Workflow steps in general; which step is [`workflow::next`].
pub struct ChangeWorkflow;
impl Action for ChangeWorkflow {
    const NAME: &'static str = "bulletins.workflow";
    fn allowed(a: &Actor) -> bool {
        a.role != Role::ReadOnly
    }
}

pub struct ReadHistory;
impl Action for ReadHistory {
    const NAME: &'static str = "bulletins.history";
    fn allowed(a: &Actor) -> bool {
        a.has(Permission::ViewSimpleHistory) || a.has(Permission::ViewFullHistory)
    }
}

/// Evidence files: listing, uploading and downloading them needs
/// `can_access_media` (which bulletin is the access predicate's answer;
/// uploading also needs [`may_edit`]).
pub struct AccessMedia;
impl Action for AccessMedia {
    const NAME: &'static str = "media.access";
    fn allowed(a: &Actor) -> bool {
        a.has(Permission::CanAccessMedia)
    }
}

/// Attaching a location to a record, or withdrawing one (a location
/// reference, or an event's place): `can_edit_locations`, on top of the
/// record's edit rule ([`may_edit`]).
pub struct EditLocations;
impl Action for EditLocations {
    const NAME: &'static str = "records.locations";
    fn allowed(a: &Actor) -> bool {
        a.has(Permission::CanEditLocations)
    }
}

/// Bulk workflow changes over many bulletins (C5): administrators and
/// moderators; each item is still checked on its own.
pub struct BulkUpdate;
impl Action for BulkUpdate {
    const NAME: &'static str = "bulletins.bulk";
    const STEP_UP: bool = true;
    fn allowed(a: &Actor) -> bool {
        a.role.manages()
    }
}

/// Asking for an export (E4): `can_export`.
pub struct RequestExport;
impl Action for RequestExport {
    const NAME: &'static str = "exports.request";
    fn allowed(a: &Actor) -> bool {
        a.has(Permission::CanExport)
    }
}

/// The exports page: those who may ask for exports or decide them.
pub struct ViewExports;
impl Action for ViewExports {
    const NAME: &'static str = "exports.view";
    fn allowed(a: &Actor) -> bool {
        RequestExport::allowed(a) || DecideExports::allowed(a)
    }
}

/// Downloading an approved export of one's own: `can_export`, with a
/// recent password (the file leaves the appliance).
pub struct DownloadExport;
impl Action for DownloadExport {
    const NAME: &'static str = "exports.download";
    const STEP_UP: bool = true;
    fn allowed(a: &Actor) -> bool {
        a.has(Permission::CanExport)
    }
}

/// Approving or rejecting someone else's export: administrators (the
/// requester is excluded per request, see [`may_decide_export`]).
pub struct DecideExports;
impl Action for DecideExports {
    const NAME: &'static str = "exports.decide";
    const STEP_UP: bool = true;
    fn allowed(a: &Actor) -> bool {
        a.role == Role::Admin
    }
}

/// Adding and retiring event types (reference data every record uses):
/// administrators.
pub struct ManageEventTypes;
impl Action for ManageEventTypes {
    const NAME: &'static str = "event_types.manage";
    const STEP_UP: bool = true;
    fn allowed(a: &Actor) -> bool {
        a.role == Role::Admin
    }
}

/// Anything a signed-in account does to itself: its own password, second
/// factors, passkeys, sessions and notifications. Every role; what it
/// touches is always the session's own account.
pub struct UseOwnAccount;
impl Action for UseOwnAccount {
    const NAME: &'static str = "account.own";
    fn allowed(_: &Actor) -> bool {
        true
    }
}

/// Ending the session the request carries: every role, whatever the
/// session still owes (a password to change or a second factor to enrol
/// does not keep anyone signed in). A sign-in still waiting for its second
/// step is not a session yet: it expires on its own.
pub struct SignOut;
impl Action for SignOut {
    const NAME: &'static str = "session.sign_out";
    fn allowed(_: &Actor) -> bool {
        true
    }
}

/// The same, for the pages that change a second factor or show recovery
/// codes: a recent password first.
pub struct SecureOwnAccount;
impl Action for SecureOwnAccount {
    const NAME: &'static str = "account.own_secure";
    const STEP_UP: bool = true;
    fn allowed(_: &Actor) -> bool {
        true
    }
}

macro_rules! administrators {
    ($(#[$doc:meta])* $name:ident, $key:literal, step_up: $step_up:literal) => {
        $(#[$doc])*
        pub struct $name;
        impl Action for $name {
            const NAME: &'static str = $key;
            const STEP_UP: bool = $step_up;
            fn allowed(a: &Actor) -> bool {
                a.role == Role::Admin
            }
        }
    };
}

administrators!(
    /// Creating accounts, changing their role and state, resetting their
    /// factors (second-administrator rules in `identity::accounts`).
    ManageAccounts, "accounts.manage", step_up: true
);
administrators!(
    /// Seeing and ending every account's sessions.
    ManageSessions, "sessions.manage", step_up: true
);
administrators!(
    /// Reading the activity log.
    ViewActivity, "activity.view", step_up: true
);
administrators!(
    /// The appliance's settings kept in the database.
    ManageSettings, "settings.manage", step_up: true
);
administrators!(
    /// Per-account permission flags and access groups.
    ManagePermissions, "permissions.manage", step_up: true
);
administrators!(
    /// Importing reference data (labels, sources, locations).
    ImportReference, "imports.run", step_up: true
);
administrators!(
    /// Importing bulletins from a CSV file (the export's own format). Each
    /// row becomes a bulletin created in the importer's name, so the job
    /// also takes [`CreateBulletin`]. Administrators with step-up, as for
    /// reference data, rather than everyone who may create: one file adds
    /// thousands of records at once, from outside the appliance, which no
    /// single create on the page does.
    ImportBulletins, "imports.bulletins", step_up: true
);
administrators!(
    /// Asking custodian-updated to check, apply or roll back a release.
    InstallUpdates, "updates.install", step_up: true
);
administrators!(
    /// The load page: pool, expensive requests, requests turned away.
    ViewLoad, "load.view", step_up: true
);
administrators!(
    /// The backups page: the last backup, verify and drill, failures.
    ViewBackups, "backups.view", step_up: true
);

/// Every action a route may name, for the route table's check.
pub const ACTIONS: &[ActionInfo] = &[
    ReadBulletins::INFO,
    CreateBulletin::INFO,
    EditBulletins::INFO,
    ChangeWorkflow::INFO,
    ReadHistory::INFO,
    AccessMedia::INFO,
    EditLocations::INFO,
    BulkUpdate::INFO,
    RequestExport::INFO,
    ViewExports::INFO,
    DownloadExport::INFO,
    DecideExports::INFO,
    ManageEventTypes::INFO,
    ChangeAccessGroups::INFO,
    UseOwnAccount::INFO,
    SignOut::INFO,
    SecureOwnAccount::INFO,
    ManageAccounts::INFO,
    ManageSessions::INFO,
    ViewActivity::INFO,
    ManageSettings::INFO,
    ManagePermissions::INFO,
    ImportReference::INFO,
    ImportBulletins::INFO,
    InstallUpdates::INFO,
    ViewLoad::INFO,
    ViewBackups::INFO,
];

/// Four eyes: nobody approves their own export.
pub fn may_decide_export(actor: &Actor, requested_by: i64) -> bool {
    actor.role == Role::Admin && actor.user_id != requested_by
}

/// Whether `actor` may change the content of a bulletin in `item`'s state.
pub fn may_edit(actor: &Actor, item: &workflow::Item) -> bool {
    use workflow::Status;
    if item.status == Status::Finalized || actor.role == Role::ReadOnly {
        return false;
    }
    if actor.role.manages() {
        return true;
    }
    item.assigned_to == Some(actor.user_id)
        && matches!(item.status, Status::Assigned | Status::Revisit)
}

/// Whether a link may be added to or withdrawn from `item` as the other
/// end of a relation: not once it is finalized (its history is closed).
/// The record the link is changed from follows [`may_edit`].
pub fn may_link_to(item: &workflow::Item) -> bool {
    item.status != workflow::Status::Finalized
}

/// Whether `actor` may filter a list by the access group `group`: the
/// administrators by any group, everyone else only by a group they are in
/// (a list filtered by another group would tell which of the open records
/// are not in it, and who is in which group is the administrators' to see).
/// Whether the list offers the access-group filter at all: to those who
/// could use it ([`may_filter_by_group`] for some group).
pub fn offers_group_filter(actor: &Actor) -> bool {
    actor.role == Role::Admin || !actor.groups.is_empty()
}

pub fn may_filter_by_group(actor: &Actor, group: &str) -> bool {
    actor.role == Role::Admin || actor.groups.iter().any(|g| g == group)
}

/// Whether `actor` may name accounts by username in a filter or find them
/// by name in a picker: only those who see usernames on the pages
/// ([`Permission::ViewUsernames`]); the others name them as `user-N`.
pub fn may_filter_by_username(actor: &Actor) -> bool {
    actor.has(Permission::ViewUsernames)
}

/// Access groups `actor` may put on a new item: their own (administrators:
/// any), so nobody hides an item from themselves.
pub fn may_restrict_to(actor: &Actor, groups: &[String]) -> bool {
    actor.role == Role::Admin || groups.iter().all(|g| actor.groups.contains(g))
}

/// Changing who may see an existing record (its access groups). An action
/// of its own, apart from editing the content, so that saving a form never
/// changes visibility by the way; which change is [`may_regroup`].
pub struct ChangeAccessGroups;
impl Action for ChangeAccessGroups {
    const NAME: &'static str = "records.access_groups";
    fn allowed(a: &Actor) -> bool {
        a.role != Role::ReadOnly
    }
}

/// What a proposed access group list does to a record's visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regroup {
    /// The same groups (in any order): not a change, whoever asks.
    Unchanged,
    /// Visibility changes: a revision, an activity entry and a notice to
    /// the administrators.
    Changed,
}

/// Whether `actor` may change a record's access groups from `before` to
/// `after`. A record with no groups is visible to everyone; with groups,
/// to their members (and administrators). Widening (emptying the list, or
/// adding a group to a restricted record) is for administrators, and for
/// moderators with groups they belong to; nobody but an administrator
/// removes a group they are not in (administrators may widen anyway, so a
/// rule against them would only cost two steps); restricting an open
/// record is to one's own groups; and nobody hides a record from
/// themselves. The same rule is the UPDATE policy in PostgreSQL
/// (`custodian_may_regroup`, migration 0017).
pub fn may_regroup(
    actor: &Actor,
    before: &[String],
    after: &[String],
) -> Result<Regroup, &'static str> {
    // `Err` is the key of the refusal's message (`i18n/*/problems.ftl`).
    let (old, new): (BTreeSet<&String>, BTreeSet<&String>) =
        (before.iter().collect(), after.iter().collect());
    if old == new {
        return Ok(Regroup::Unchanged);
    }
    if !ChangeAccessGroups::allowed(actor) {
        return Err("groups-readonly");
    }
    if actor.role == Role::Admin {
        return Ok(Regroup::Changed);
    }
    let mine = |g: &&String| actor.groups.contains(g);
    if old.difference(&new).any(|g| !mine(g)) {
        return Err("groups-remove-not-member");
    }
    if old.is_empty() {
        if !new.iter().all(mine) {
            return Err("groups-restrict-own");
        }
    } else if new.is_empty() {
        return Err("groups-open-admin-only");
    } else {
        let mut added = new.difference(&old).peekable();
        if added.peek().is_some() {
            if actor.role != Role::Moderator {
                return Err("groups-widen-managers-only");
            }
            if !added.all(mine) {
                return Err("groups-widen-own");
            }
        }
    }
    if !new.is_empty() && !new.iter().any(mine) {
        return Err("groups-keep-own");
    }
    Ok(Regroup::Changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor::new(7, role, None, vec!["team-a".into()])
    }

    #[test]
    fn permissions_file_parses_and_covers_every_role() {
        let f = parse_defaults().expect("policy/permissions.toml");
        for role in [Role::Admin, Role::Moderator, Role::Analyst, Role::ReadOnly] {
            assert!(f.roles.contains_key(role.key()), "{role:?}");
        }
        assert_eq!(f.roles.len(), 4, "no unknown roles");
        assert_eq!(defaults(Role::Admin).len(), 7);
        assert!(!defaults(Role::Analyst).contains(&Permission::ViewUsernames));
    }

    #[test]
    fn explicit_flags_replace_defaults_and_unknown_ones_grant_nothing() {
        let a = Actor::new(
            1,
            Role::Analyst,
            Some(&["view_usernames".into(), "sudo".into()]),
            vec![],
        );
        assert!(a.has(Permission::ViewUsernames));
        assert!(!a.has(Permission::CanSelfAssign));
        assert_eq!(a.permissions.len(), 1);
    }

    #[test]
    fn readonly_gets_no_write_permit() {
        let r = actor(Role::ReadOnly);
        assert!(permit::<ReadBulletins>(r.clone()).is_ok());
        assert!(permit::<CreateBulletin>(r.clone()).is_err());
        assert!(permit::<EditBulletins>(r.clone()).is_err());
        assert!(permit::<ChangeWorkflow>(r.clone()).is_err());
        assert!(permit::<ReadHistory>(r).is_ok());
        let none = Actor::new(1, Role::Analyst, Some(&[]), vec![]);
        assert!(permit::<ReadHistory>(none).is_err());
    }

    #[test]
    fn usernames_are_masked_without_the_flag() {
        let analyst = actor(Role::Analyst);
        assert_eq!(
            analyst.shows_user(Some(9), Some("carol")),
            Shown::Numbered(9)
        );
        assert_eq!(analyst.shows_user(Some(7), Some("me")), Shown::You);
        assert_eq!(analyst.shows_user(None, None), Shown::Nobody);
        assert_eq!(
            actor(Role::Moderator).shows_user(Some(9), Some("carol")),
            Shown::Name("carol".into())
        );
    }

    #[test]
    fn accounts_named_you_or_nobody_are_shown_by_their_names() {
        // Another account whose name is a word of the interface is that
        // name, not the reader nor the absence of anyone.
        let moderator = actor(Role::Moderator);
        assert_ne!(moderator.user_id, 9);
        assert_eq!(
            moderator.shows_user(Some(9), Some("you")),
            Shown::Name("you".into())
        );
        assert_eq!(
            moderator.shows_user(Some(10), Some("nobody")),
            Shown::Name("nobody".into())
        );
        assert_eq!(
            moderator.shows_user(Some(moderator.user_id), Some("nobody")),
            Shown::You
        );
    }

    #[test]
    fn analysts_edit_only_what_is_assigned_to_them_and_not_in_review() {
        use workflow::{Item, Status};
        let a = actor(Role::Analyst);
        let mine = |status| Item {
            status,
            assigned_to: Some(7),
            reviewer: None,
        };
        assert!(may_edit(&a, &mine(Status::Assigned)));
        assert!(may_edit(&a, &mine(Status::Revisit)));
        assert!(!may_edit(&a, &mine(Status::PeerReview)));
        assert!(!may_edit(&a, &mine(Status::Finalized)));
        let theirs = Item {
            status: Status::Assigned,
            assigned_to: Some(8),
            reviewer: None,
        };
        assert!(!may_edit(&a, &theirs));
        assert!(may_edit(&actor(Role::Moderator), &theirs));
        assert!(!may_edit(&actor(Role::Admin), &mine(Status::Finalized)));
    }

    #[test]
    fn widening_access_is_for_administrators_and_moderators_in_the_group() {
        let g = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let both = |role| Actor::new(7, role, None, g(&["team-a", "team-b"]));
        let (analyst, moderator, admin) = (
            actor(Role::Analyst),
            actor(Role::Moderator),
            actor(Role::Admin),
        );
        // Emptying the groups of a restricted record: administrators only.
        assert!(may_regroup(&analyst, &g(&["team-a"]), &[]).is_err());
        assert!(may_regroup(&moderator, &g(&["team-a"]), &[]).is_err());
        assert_eq!(
            may_regroup(&admin, &g(&["team-a"]), &[]),
            Ok(Regroup::Changed)
        );
        // The same list in another order is no change, even for read-only.
        assert_eq!(
            may_regroup(
                &actor(Role::ReadOnly),
                &g(&["team-b", "team-a"]),
                &g(&["team-a", "team-b"])
            ),
            Ok(Regroup::Unchanged)
        );
        // A one-group member keeps the other group without being in it.
        assert_eq!(
            may_regroup(
                &analyst,
                &g(&["team-a", "team-z"]),
                &g(&["team-z", "team-a"])
            ),
            Ok(Regroup::Unchanged)
        );
        // Nobody removes a group they are not in; one's own, yes.
        assert!(may_regroup(&moderator, &g(&["team-a", "team-z"]), &g(&["team-a"])).is_err());
        assert_eq!(
            may_regroup(&analyst, &g(&["team-a", "team-z"]), &g(&["team-z"])),
            Err("groups-keep-own")
        );
        assert_eq!(
            may_regroup(
                &both(Role::Analyst),
                &g(&["team-a", "team-b"]),
                &g(&["team-a"])
            ),
            Ok(Regroup::Changed)
        );
        // Adding a group to a restricted record widens it: moderators in
        // that group, not analysts.
        assert!(may_regroup(
            &both(Role::Analyst),
            &g(&["team-a"]),
            &g(&["team-a", "team-b"])
        )
        .is_err());
        assert_eq!(
            may_regroup(
                &both(Role::Moderator),
                &g(&["team-a"]),
                &g(&["team-a", "team-b"])
            ),
            Ok(Regroup::Changed)
        );
        assert!(may_regroup(&moderator, &g(&["team-a"]), &g(&["team-a", "team-q"])).is_err());
        // Restricting an open record: to one's own groups.
        assert_eq!(
            may_regroup(&analyst, &[], &g(&["team-a"])),
            Ok(Regroup::Changed)
        );
        assert!(may_regroup(&analyst, &[], &g(&["team-q"])).is_err());
        assert!(may_regroup(&actor(Role::ReadOnly), &[], &g(&["team-a"])).is_err());
    }

    #[test]
    fn restricting_is_limited_to_own_groups() {
        assert!(may_restrict_to(&actor(Role::Analyst), &["team-a".into()]));
        assert!(!may_restrict_to(&actor(Role::Analyst), &["team-b".into()]));
        assert!(may_restrict_to(&actor(Role::Admin), &["team-b".into()]));
    }
}
