//! What the matrix's requests act on, made fresh for each call: cases, gestures, staff.

use super::{Matrix, Place};
use olive_domain::role::Role;
use olive_storage::Actor;
use olive_storage::actions::{NewGesture, StepAction, Verification};
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::org::NewStaff;
use olive_storage::views::CaseDetail;
use std::sync::atomic::Ordering;

impl Matrix {
    pub(super) fn actor(&self, who: &str) -> &Actor {
        self.app.fx.actor(who)
    }

    pub(super) fn unique(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.n.fetch_add(1, Ordering::Relaxed))
    }

    pub(super) fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }

    /// A new case at `p`, logged by `by`, with a customer who has an email address.
    pub(super) async fn case(&self, p: &Place, by: &str) -> CaseDetail {
        let input = NewCase {
            location_id: p.id.clone(),
            defect: p.defect.into(),
            stage: None,
            customer: CustomerInput {
                name: "Ann Lee".into(),
                email: Some(format!("{}@example.com", self.unique("ann"))),
                ..CustomerInput::default()
            },
            description: "matrix".into(),
            severity: None,
            fields: Default::default(),
            noticed_at: None,
            done_steps: Vec::new(),
        };
        self.store
            .create_case(self.actor(by), input, None, self.now())
            .await
            .expect("a case")
            .0
    }

    /// A step that is `who`'s to take or do on a new case at `p` logged by its front desk: theirs, or
    /// waiting in a queue they may take from (at the practice, for the others than the front desk, a
    /// case with a step for the dentist and one for the manager).
    pub(super) async fn step_for(&self, p: &Place, who: &str) -> (String, String) {
        let me = self.actor(who);
        let role = me.role_at(&p.id);
        let mut place = p.clone();
        if p.playbook == "dental" && role != Some(Role::FrontDesk) {
            place.defect = "pain-during-treatment";
        }
        let c = self.case(&place, p.front).await;
        let manages = matches!(role, Some(Role::Manager | Role::Admin));
        let mine = |s: &&olive_storage::views::StepView| {
            s.kind != olive_domain::playbook::StepKind::Gesture
                && match &s.assignee {
                    Some(a) => a.id == me.staff_id,
                    None => manages || role == Some(s.owner_role),
                }
        };
        let s = c.steps.iter().find(mine).unwrap_or(&c.steps[0]);
        (c.summary.id.clone(), s.id.clone())
    }

    /// Does `who` work at `p` (the callers work at the practice; the admin everywhere)?
    pub(super) fn works_at(&self, who: &str, p: &Place) -> bool {
        p.playbook == "dental" || who == "admin"
    }

    /// Someone at `p` other than the caller, to log cases and give gestures.
    pub(super) fn other_than(&self, p: &Place, who: &str) -> &'static str {
        if who == p.front { p.team } else { p.front }
    }

    /// A case with every step but the verification done, and verified: ready to close.
    pub(super) async fn ready_to_close(&self, p: &Place) -> CaseDetail {
        let admin = self.actor("admin");
        let c = self.case(p, p.front).await;
        for s in c
            .steps
            .iter()
            .filter(|s| s.kind != olive_domain::playbook::StepKind::Verify)
        {
            let skip = StepAction {
                reason: Some("not needed in the test".into()),
                note: None,
            };
            self.store
                .step_action(admin, &c.summary.id, &s.id, true, skip, self.now())
                .await
                .expect("skip");
        }
        let v = Verification {
            method: olive_domain::case::VerificationMethod::Phone,
            customer_said: "all good now".into(),
            satisfied: true,
        };
        self.store
            .verify(admin, &c.summary.id, v, self.now())
            .await
            .expect("verify")
    }

    pub(super) async fn gesture(&self, p: &Place, giver: &str, cents: i64) -> (CaseDetail, String) {
        let c = self.case(p, giver).await;
        let kind = if p.playbook == "dental" {
            "flowers"
        } else {
            "no-charge"
        };
        let g = NewGesture {
            kind: kind.into(),
            value_cents: cents,
            note: String::new(),
            step_id: None,
        };
        let (c, id, _) = self
            .store
            .give_gesture(self.actor(giver), &c.summary.id, g, None, self.now())
            .await
            .expect("a gesture");
        (c, id)
    }

    pub(super) async fn staff_at(&self, p: &Place) -> String {
        let email = format!("{}@olive.test", self.unique("new"));
        self.store
            .add_staff(
                NewStaff {
                    name: "New Person".into(),
                    email: Some(email),
                    username: None,
                    is_admin: false,
                    locations: vec![(p.id.clone(), Role::FrontDesk)],
                },
                self.now(),
            )
            .await
            .expect("staff")
            .id
    }
}
