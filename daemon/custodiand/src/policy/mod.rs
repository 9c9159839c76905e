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

    fn key(self) -> &'static str {
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
    CanImportWeb,
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

fn parse_defaults() -> Result<PermissionsFile, String> {
    toml::from_str(PERMISSIONS_TOML).map_err(|e| format!("policy/permissions.toml: {e}"))
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
    pub fn shows_user(&self, id: Option<i64>, name: Option<&str>) -> String {
        match (id, name) {
            (None, _) => "nobody".into(),
            (Some(id), _) if id == self.user_id => "you".into(),
            (Some(_), Some(name)) if self.has(Permission::ViewUsernames) => name.to_owned(),
            (Some(id), _) => format!("user-{id}"),
        }
    }
}

/// The policy refused; the handler answers 403 and records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub &'static str);

/// An action a route may ask for.
pub trait Action {
    const NAME: &'static str;
    fn allowed(actor: &Actor) -> bool;
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

/// Bulk workflow changes over many bulletins (C5): administrators and
/// moderators; each item is still checked on its own.
pub struct BulkUpdate;
impl Action for BulkUpdate {
    const NAME: &'static str = "bulletins.bulk";
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

/// Approving or rejecting someone else's export: administrators (the
/// requester is excluded per request, see [`may_decide_export`]).
pub struct DecideExports;
impl Action for DecideExports {
    const NAME: &'static str = "exports.decide";
    fn allowed(a: &Actor) -> bool {
        a.role == Role::Admin
    }
}

/// Adding and retiring event types (reference data every record uses):
/// administrators.
pub struct ManageEventTypes;
impl Action for ManageEventTypes {
    const NAME: &'static str = "event_types.manage";
    fn allowed(a: &Actor) -> bool {
        a.role == Role::Admin
    }
}

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

/// Access groups `actor` may put on an item: their own (administrators:
/// any), so nobody hides an item from themselves.
pub fn may_restrict_to(actor: &Actor, groups: &[String]) -> bool {
    actor.role == Role::Admin || groups.iter().all(|g| actor.groups.contains(g))
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
        assert_eq!(defaults(Role::Admin).len(), 8);
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
        assert_eq!(analyst.shows_user(Some(9), Some("carol")), "user-9");
        assert_eq!(analyst.shows_user(Some(7), Some("me")), "you");
        assert_eq!(
            actor(Role::Moderator).shows_user(Some(9), Some("carol")),
            "carol"
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
    fn restricting_is_limited_to_own_groups() {
        assert!(may_restrict_to(&actor(Role::Analyst), &["team-a".into()]));
        assert!(!may_restrict_to(&actor(Role::Analyst), &["team-b".into()]));
        assert!(may_restrict_to(&actor(Role::Admin), &["team-b".into()]));
    }
}
