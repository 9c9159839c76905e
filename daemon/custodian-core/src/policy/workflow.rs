//! The bulletin workflow as a state machine (feature matrix B4–B6):
//! assign -> edit -> peer review -> revisit -> finalize. Every step not
//! listed in [`next`] is refused, whoever asks.

use super::{Actor, Permission, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Unassigned,
    Assigned,
    PeerReview,
    Revisit,
    Reviewed,
    Finalized,
}

impl Status {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "unassigned" => Self::Unassigned,
            "assigned" => Self::Assigned,
            "peer_review" => Self::PeerReview,
            "revisit" => Self::Revisit,
            "reviewed" => Self::Reviewed,
            "finalized" => Self::Finalized,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unassigned => "unassigned",
            Self::Assigned => "assigned",
            Self::PeerReview => "peer_review",
            Self::Revisit => "revisit",
            Self::Reviewed => "reviewed",
            Self::Finalized => "finalized",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Unassigned => "Unassigned",
            Self::Assigned => "Assigned",
            Self::PeerReview => "In peer review",
            Self::Revisit => "Revisit",
            Self::Reviewed => "Reviewed",
            Self::Finalized => "Finalized",
        }
    }

    pub const ALL: [Status; 6] = [
        Self::Unassigned,
        Self::Assigned,
        Self::PeerReview,
        Self::Revisit,
        Self::Reviewed,
        Self::Finalized,
    ];
}

/// The workflow-relevant part of a bulletin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub status: Status,
    pub assigned_to: Option<i64>,
    pub reviewer: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Administrators and moderators assign (or reassign) to an account.
    Assign(i64),
    SelfAssign,
    /// The assignee hands over to a named reviewer.
    Submit {
        reviewer: i64,
    },
    /// The reviewer accepts the work.
    Accept,
    /// The reviewer sends it back to the assignee.
    SendBack,
    Finalize,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Self::Assign(_) => "assign",
            Self::SelfAssign => "self-assign",
            Self::Submit { .. } => "submit",
            Self::Accept => "accept",
            Self::SendBack => "send-back",
            Self::Finalize => "finalize",
        }
    }
}

impl Step {
    /// The account this step names (the new assignee or reviewer), which
    /// must be eligible every time it is named: being the record's
    /// assignee or reviewer already proves nothing, since accounts are
    /// disabled, made read-only or moved out of groups meanwhile.
    pub fn named(self) -> Option<i64> {
        match self {
            Self::Assign(to) => Some(to),
            Self::Submit { reviewer } => Some(reviewer),
            _ => None,
        }
    }
}

/// [`next`], and the account the step names must be `eligible` (active,
/// not read-only, able to see the record: the caller asks PostgreSQL).
pub fn next_checked(
    actor: &Actor,
    item: Item,
    step: Step,
    eligible: impl Fn(i64) -> bool,
) -> Result<Item, &'static str> {
    let after = next(actor, item, step)?;
    match step {
        Step::Assign(to) if !eligible(to) => Err("workflow-assignee-ineligible"),
        Step::Submit { reviewer } if !eligible(reviewer) => Err("workflow-reviewer-ineligible"),
        _ => Ok(after),
    }
}

/// The item after `step` by `actor`, or why not (the key of the
/// refusal's message, `i18n/*/problems.ftl`). Who is named is
/// [`next_checked`]'s question.
pub fn next(actor: &Actor, item: Item, step: Step) -> Result<Item, &'static str> {
    use Status::*;
    let me = actor.user_id;
    if actor.role == Role::ReadOnly {
        return Err("workflow-readonly");
    }
    match (step, item.status) {
        (Step::Assign(to), Unassigned | Assigned | Revisit) => {
            if !actor.role.manages() {
                return Err("workflow-assign-managers-only");
            }
            Ok(Item {
                status: if item.status == Revisit {
                    Revisit
                } else {
                    Assigned
                },
                assigned_to: Some(to),
                reviewer: None,
            })
        }
        (Step::SelfAssign, Unassigned) => {
            if !(actor.role.manages() || actor.has(Permission::CanSelfAssign)) {
                return Err("workflow-self-assign");
            }
            Ok(Item {
                status: Assigned,
                assigned_to: Some(me),
                reviewer: None,
            })
        }
        (Step::Submit { reviewer }, Assigned | Revisit) => {
            if item.assigned_to != Some(me) {
                return Err("workflow-submit-assignee-only");
            }
            if reviewer == me {
                return Err("workflow-reviewer-self");
            }
            Ok(Item {
                status: PeerReview,
                reviewer: Some(reviewer),
                ..item
            })
        }
        (Step::Accept | Step::SendBack, PeerReview) => {
            if item.reviewer != Some(me) {
                return Err("workflow-review-reviewer-only");
            }
            Ok(Item {
                status: if step == Step::Accept {
                    Reviewed
                } else {
                    Revisit
                },
                ..item
            })
        }
        (Step::Finalize, Reviewed) => {
            if !actor.role.manages() {
                return Err("workflow-finalize-managers-only");
            }
            Ok(Item {
                status: Finalized,
                ..item
            })
        }
        _ => Err("workflow-step-impossible"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(id: i64, role: Role) -> Actor {
        Actor::new(id, role, None, vec![])
    }

    #[test]
    fn the_whole_path_assign_submit_revisit_accept_finalize() {
        let (moderator, analyst, reviewer) = (
            who(1, Role::Moderator),
            who(2, Role::Analyst),
            who(3, Role::Analyst),
        );
        let item = Item {
            status: Status::Unassigned,
            assigned_to: None,
            reviewer: None,
        };
        let item = next(&moderator, item, Step::Assign(2)).expect("assign");
        let item = next(&analyst, item, Step::Submit { reviewer: 3 }).expect("submit");
        assert_eq!(item.status, Status::PeerReview);
        assert!(next(&analyst, item, Step::Accept).is_err(), "own review");
        let item = next(&reviewer, item, Step::SendBack).expect("send back");
        assert_eq!(item.status, Status::Revisit);
        let item = next(&analyst, item, Step::Submit { reviewer: 3 }).expect("again");
        let item = next(&reviewer, item, Step::Accept).expect("accept");
        assert!(next(&analyst, item, Step::Finalize).is_err());
        let item = next(&moderator, item, Step::Finalize).expect("finalize");
        assert_eq!(item.status, Status::Finalized);
        for step in [
            Step::Assign(2),
            Step::SelfAssign,
            Step::Submit { reviewer: 3 },
            Step::Accept,
            Step::SendBack,
            Step::Finalize,
        ] {
            assert!(
                next(&moderator, item, step).is_err(),
                "{step:?} after finalize"
            );
        }
    }

    /// The named account is checked even when it already is the record's
    /// assignee or reviewer (reassigning to the same person, assigning the
    /// former reviewer, resubmitting to the same reviewer).
    #[test]
    fn named_accounts_are_checked_every_time() {
        let moderator = who(1, Role::Moderator);
        let analyst = who(2, Role::Analyst);
        let revisit = Item {
            status: Status::Revisit,
            assigned_to: Some(2),
            reviewer: Some(3),
        };
        let nobody = |_: i64| false;
        let everyone = |_: i64| true;
        for (actor, step) in [
            (&moderator, Step::Assign(2)),
            (&moderator, Step::Assign(3)),
            (&analyst, Step::Submit { reviewer: 3 }),
        ] {
            assert!(
                next(actor, revisit, step).is_ok(),
                "{step:?} is a valid step"
            );
            assert!(
                next_checked(actor, revisit, step, everyone).is_ok(),
                "{step:?}"
            );
            assert!(
                next_checked(actor, revisit, step, nobody).is_err(),
                "{step:?} names an ineligible account"
            );
        }
        // Steps that name nobody ask nothing about anybody.
        let review = Item {
            status: Status::PeerReview,
            ..revisit
        };
        assert!(next_checked(&who(3, Role::Analyst), review, Step::Accept, nobody).is_ok());
        assert_eq!(Step::SelfAssign.named(), None);
    }

    /// Every step from every state by every role: exactly the listed
    /// combinations pass.
    #[test]
    fn every_other_combination_is_refused() {
        let roles = [Role::Admin, Role::Moderator, Role::Analyst, Role::ReadOnly];
        let mut allowed = Vec::new();
        for role in roles {
            let actor = who(5, role);
            for status in Status::ALL {
                let item = Item {
                    status,
                    assigned_to: Some(5),
                    reviewer: Some(5),
                };
                for step in [
                    Step::Assign(6),
                    Step::SelfAssign,
                    Step::Submit { reviewer: 6 },
                    Step::Accept,
                    Step::SendBack,
                    Step::Finalize,
                ] {
                    if next(&actor, item, step).is_ok() {
                        allowed.push(format!("{role:?} {} {}", status.as_str(), step.name()));
                    }
                }
            }
        }
        let expected: Vec<String> = [
            "Admin unassigned assign",
            "Admin unassigned self-assign",
            "Admin assigned assign",
            "Admin assigned submit",
            "Admin peer_review accept",
            "Admin peer_review send-back",
            "Admin revisit assign",
            "Admin revisit submit",
            "Admin reviewed finalize",
            "Moderator unassigned assign",
            "Moderator unassigned self-assign",
            "Moderator assigned assign",
            "Moderator assigned submit",
            "Moderator peer_review accept",
            "Moderator peer_review send-back",
            "Moderator revisit assign",
            "Moderator revisit submit",
            "Moderator reviewed finalize",
            "Analyst unassigned self-assign",
            "Analyst assigned submit",
            "Analyst peer_review accept",
            "Analyst peer_review send-back",
            "Analyst revisit submit",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(allowed, expected);
    }
}
