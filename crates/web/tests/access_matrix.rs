//! The authorization matrix, generated from the permission table: every API route × role × own/other
//! location (and no token) against a real server, expecting what `olive_web::access` says. A route in
//! the OpenAPI document without an entry in the table (or without a request here) fails the test.

mod common;

use common::TestApp;
use olive_domain::gesture::GestureStatus;
use olive_domain::permission::{Permission, allows};
use olive_domain::role::Role;
use olive_storage::actions::{Decision, NewGesture, NewHandoff, StepAction, Verification};
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::followup::SendFollowUp;
use olive_storage::org::NewStaff;
use olive_storage::outbox::Channel;
use olive_storage::views::CaseDetail;
use olive_storage::{Actor, Store};
use olive_web::access::{Expect, ROUTES, Route};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The callers: one per role, all working at the dental practice (the admin everywhere).
const CALLERS: [(&str, Role); 4] = [
    ("dental_front", Role::FrontDesk),
    ("dental_team", Role::TeamMember),
    ("dental_manager", Role::Manager),
    ("admin", Role::Admin),
];
const PASSWORD: &str = "correct horse battery";

/// One location's people and playbook as the fixtures need them.
struct Place {
    id: String,
    playbook: &'static str,
    defect: &'static str,
    stage: &'static str,
    front: &'static str,
    team: &'static str,
}

/// A request to make, and the status it gets when allowed.
struct Req {
    path: String,
    body: Option<Value>,
    raw: Option<String>,
    ok: StatusCode,
}

fn req(path: impl Into<String>, body: Option<Value>, ok: StatusCode) -> Req {
    Req {
        path: path.into(),
        body,
        raw: None,
        ok,
    }
}

struct Matrix {
    app: TestApp,
    store: Store,
    n: AtomicUsize,
}

impl Matrix {
    fn actor(&self, who: &str) -> &Actor {
        self.app.fx.actor(who)
    }

    fn unique(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.n.fetch_add(1, Ordering::Relaxed))
    }

    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }

    /// A new case at `p`, logged by `by`, with a customer who has an email address.
    async fn case(&self, p: &Place, by: &str) -> CaseDetail {
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
        };
        self.store
            .create_case(self.actor(by), input, None, self.now())
            .await
            .expect("a case")
            .0
    }

    /// Does `who` work at `p` (the callers work at the practice; the admin everywhere)?
    fn works_at(&self, who: &str, p: &Place) -> bool {
        p.playbook == "dental" || who == "admin"
    }

    /// Someone at `p` other than the caller, to log cases and give gestures.
    fn other_than(&self, p: &Place, who: &str) -> &'static str {
        if who == p.front { p.team } else { p.front }
    }

    /// A case with every step but the verification done, and verified: ready to close.
    async fn ready_to_close(&self, p: &Place) -> CaseDetail {
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

    async fn gesture(&self, p: &Place, giver: &str, cents: i64) -> (CaseDetail, String) {
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
        };
        let (c, id, _) = self
            .store
            .give_gesture(self.actor(giver), &c.summary.id, g, None, self.now())
            .await
            .expect("a gesture");
        (c, id)
    }

    async fn staff_at(&self, p: &Place) -> String {
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

    /// The request for one route, as `who` pointing at `p`, with whatever it acts on made fresh.
    async fn build(&self, route: &Route, who: &str, p: &Place) -> Req {
        use StatusCode as S;
        let admin = self.actor("admin");
        let me = self.actor(who).staff_id.clone();
        let now = self.now();
        let loc = &p.id;
        match (route.method, route.path) {
            ("GET", "/api/v1/health") => req("/api/v1/health", None, S::OK),
            ("POST", "/api/v1/wording/check") => req(
                "/api/v1/wording/check",
                Some(json!({"text": "There's no charge for your steak."})),
                S::OK,
            ),
            ("GET", "/api/v1/me") => req("/api/v1/me", None, S::OK),
            ("GET", "/api/v1/me/notifications") => req("/api/v1/me/notifications", None, S::OK),
            ("POST", "/api/v1/me/password") => req(
                "/api/v1/me/password",
                Some(json!({"current_password": PASSWORD, "new_password": PASSWORD})),
                S::NO_CONTENT,
            ),
            ("GET", "/api/v1/my-work") => req("/api/v1/my-work", None, S::OK),
            ("GET", "/api/v1/tokens") => req("/api/v1/tokens", None, S::OK),
            ("POST", "/api/v1/tokens") => req(
                "/api/v1/tokens",
                Some(json!({"name": "matrix"})),
                S::CREATED,
            ),
            ("DELETE", "/api/v1/tokens/{id}") => {
                let t = self
                    .store
                    .create_token(&me, "to revoke", None, now)
                    .await
                    .expect("token");
                req(format!("/api/v1/tokens/{}", t.id), None, S::OK)
            }
            ("GET", "/api/v1/approvals") => req("/api/v1/approvals", None, S::OK),
            ("GET", "/api/v1/locations") => req("/api/v1/locations", None, S::OK),
            ("GET", "/api/v1/staff") => req("/api/v1/staff", None, S::OK),
            ("GET", "/api/v1/playbooks") => req("/api/v1/playbooks", None, S::OK),
            ("GET", "/api/v1/playbooks/{code}") => {
                req(format!("/api/v1/playbooks/{}", p.playbook), None, S::OK)
            }
            ("GET", "/api/v1/locations/{id}") => {
                req(format!("/api/v1/locations/{loc}"), None, S::OK)
            }
            ("GET", "/api/v1/locations/{id}/limits") => {
                req(format!("/api/v1/locations/{loc}/limits"), None, S::OK)
            }
            ("GET", "/api/v1/locations/{id}/defects") => req(
                format!("/api/v1/locations/{loc}/defects?q=late"),
                None,
                S::OK,
            ),
            ("GET", "/api/v1/stats") => {
                req(format!("/api/v1/stats?location_id={loc}"), None, S::OK)
            }
            ("GET", "/api/v1/cases") => {
                req(format!("/api/v1/cases?location_id={loc}"), None, S::OK)
            }
            ("GET", "/api/v1/cases/{key}") => {
                let c = self.case(p, p.front).await;
                req(format!("/api/v1/cases/{}", c.summary.id), None, S::OK)
            }
            ("GET", "/api/v1/cases/{key}/history") => {
                let c = self.case(p, p.front).await;
                req(
                    format!("/api/v1/cases/{}/history", c.summary.id),
                    None,
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases") => req(
                "/api/v1/cases",
                Some(
                    json!({"location_id": loc, "defect": p.defect, "customer": {"name": "Bo Chan"}, "description": "matrix"}),
                ),
                S::CREATED,
            ),
            ("PATCH", "/api/v1/cases/{key}") => {
                let c = self.case(p, p.front).await;
                req(
                    format!("/api/v1/cases/{}", c.summary.id),
                    Some(json!({"description": "more detail"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/steps/{step_id}/complete") => {
                let c = self.case(p, p.front).await;
                req(
                    format!(
                        "/api/v1/cases/{}/steps/{}/complete",
                        c.summary.id, c.steps[0].id
                    ),
                    Some(json!({"note": "done"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/steps/{step_id}/skip") => {
                let c = self.case(p, p.front).await;
                req(
                    format!(
                        "/api/v1/cases/{}/steps/{}/skip",
                        c.summary.id, c.steps[0].id
                    ),
                    Some(json!({"reason": "not needed"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/gestures") => {
                let c = self.case(p, p.front).await;
                let kind = if p.playbook == "dental" {
                    "lottery-card"
                } else {
                    "complimentary-dessert"
                };
                req(
                    format!("/api/v1/cases/{}/gestures", c.summary.id),
                    Some(json!({"kind": kind, "value_cents": 500})),
                    S::CREATED,
                )
            }
            ("POST", "/api/v1/cases/{key}/gestures/{gesture_id}/sent") => {
                let (c, g) = self.gesture(p, p.front, 10_00).await;
                req(
                    format!("/api/v1/cases/{}/gestures/{g}/sent", c.summary.id),
                    Some(json!({})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/gestures/{gesture_id}/delivered") => {
                let (c, g) = self.gesture(p, p.front, 10_00).await;
                self.store
                    .gesture_action(
                        admin,
                        &c.summary.id,
                        &g,
                        GestureStatus::Sent,
                        Decision::default(),
                        now,
                    )
                    .await
                    .expect("sent");
                req(
                    format!("/api/v1/cases/{}/gestures/{g}/delivered", c.summary.id),
                    Some(json!({})),
                    S::OK,
                )
            }
            (
                "POST",
                "/api/v1/cases/{key}/gestures/{gesture_id}/approve"
                | "/api/v1/cases/{key}/gestures/{gesture_id}/decline",
            ) => {
                // Asked for by someone else (nobody approves their own request), within a manager's limit.
                let (c, g) = self.gesture(p, self.other_than(p, who), 300_00).await;
                let verb = route.path.rsplit('/').next().unwrap_or_default();
                req(
                    format!("/api/v1/cases/{}/gestures/{g}/{verb}", c.summary.id),
                    Some(json!({"note": "ok"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/handoffs") => {
                // The caller's own case when they work there (handing off someone else's needs `reassign`).
                let owner = if self.works_at(who, p) { who } else { p.front };
                let c = self.case(p, owner).await;
                let to = self.actor(self.other_than(p, owner)).staff_id.clone();
                req(
                    format!("/api/v1/cases/{}/handoffs", c.summary.id),
                    Some(json!({"to": to, "reason": "she knows the customer"})),
                    S::CREATED,
                )
            }
            (
                "POST",
                "/api/v1/cases/{key}/handoffs/{handoff_id}/accept"
                | "/api/v1/cases/{key}/handoffs/{handoff_id}/decline",
            ) => {
                // Offered to the caller (only they may answer); at another location, to someone there.
                let from = self.other_than(p, who);
                let to = if self.works_at(who, p) {
                    me.clone()
                } else {
                    self.actor(p.team).staff_id.clone()
                };
                let c = self.case(p, from).await;
                let h = NewHandoff {
                    to,
                    reason: "she knows the customer".into(),
                };
                let c = self
                    .store
                    .propose_handoff(self.actor(from), &c.summary.id, h, now)
                    .await
                    .expect("handoff");
                let h = &c.handoffs.last().expect("the handoff").id;
                let verb = route.path.rsplit('/').next().unwrap_or_default();
                req(
                    format!("/api/v1/cases/{}/handoffs/{h}/{verb}", c.summary.id),
                    Some(json!({"reason": "I am off tomorrow"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/verify") => {
                let c = self.case(p, p.front).await;
                req(
                    format!("/api/v1/cases/{}/verify", c.summary.id),
                    Some(
                        json!({"method": "phone", "customer_said": "thank you", "satisfied": true}),
                    ),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/close") => {
                let c = self.ready_to_close(p).await;
                req(
                    format!("/api/v1/cases/{}/close", c.summary.id),
                    Some(json!({"outcome": "recovered", "root_cause": "scheduling"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/reopen") => {
                let c = self.ready_to_close(p).await;
                let close = olive_storage::actions::CloseCase {
                    outcome: olive_domain::case::CloseOutcome::Recovered,
                    root_cause: olive_domain::case::RootCause::Scheduling,
                    prevention_note: None,
                };
                self.store
                    .close(admin, &c.summary.id, close, now)
                    .await
                    .expect("close");
                req(
                    format!("/api/v1/cases/{}/reopen", c.summary.id),
                    Some(json!({"reason": "she called again"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/cancel") => {
                let c = self.case(p, p.front).await;
                req(
                    format!("/api/v1/cases/{}/cancel", c.summary.id),
                    Some(json!({"reason": "logged twice"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/notes") => {
                let c = self.case(p, p.front).await;
                req(
                    format!("/api/v1/cases/{}/notes", c.summary.id),
                    Some(json!({"text": "called back", "customer_facing": false})),
                    S::CREATED,
                )
            }
            ("POST", "/api/v1/cases/{key}/follow-up") => {
                let c = self.case(p, p.front).await;
                req(
                    format!("/api/v1/cases/{}/follow-up", c.summary.id),
                    Some(json!({})),
                    S::CREATED,
                )
            }
            ("POST", "/api/v1/cases/{key}/erase") => {
                let c = self.case(p, p.front).await;
                req(
                    format!("/api/v1/cases/{}/erase", c.summary.id),
                    Some(json!({"reason": "the customer asked"})),
                    S::OK,
                )
            }
            ("PUT", "/api/v1/locations/{id}") => req(
                format!("/api/v1/locations/{loc}"),
                Some(
                    json!({"timezone": "Australia/Sydney", "currency": "AUD", "hours": [{"day": "mon", "open": "08:00", "close": "18:00"}, {"day": "tue", "open": "08:00", "close": "18:00"}]}),
                ),
                S::OK,
            ),
            ("PUT", "/api/v1/locations/{id}/limits") => req(
                format!("/api/v1/locations/{loc}/limits"),
                Some(
                    json!([{"role": "front_desk", "per_case_cents": 120_00, "per_day_cents": 240_00}]),
                ),
                S::OK,
            ),
            ("GET", "/api/v1/locations/{id}/webhooks") => {
                req(format!("/api/v1/locations/{loc}/webhooks"), None, S::OK)
            }
            ("POST", "/api/v1/locations/{id}/webhooks") => req(
                format!("/api/v1/locations/{loc}/webhooks"),
                Some(json!({"url": "https://hooks.example.com/olive", "events": ["case.created"]})),
                S::CREATED,
            ),
            ("DELETE", "/api/v1/webhooks/{id}") => {
                let hook = olive_storage::webhooks::NewWebhook {
                    url: "https://hooks.example.com/olive".into(),
                    events: vec!["case.closed".into()],
                };
                let h = self
                    .store
                    .create_webhook(admin, loc, hook, now)
                    .await
                    .expect("webhook");
                req(
                    format!("/api/v1/webhooks/{}", h.webhook.id),
                    None,
                    S::NO_CONTENT,
                )
            }
            ("POST", "/api/v1/outbox/{id}/retry") => {
                // Give up on everything queued so far, then on the one follow-up email sent here.
                let lease = jiff::SignedDuration::from_mins(5);
                let give_up = || async {
                    let claimed = self
                        .store
                        .claim_outbox(&[Channel::Email], now, lease, 1000)
                        .await
                        .expect("claim");
                    for m in &claimed {
                        self.store
                            .outbox_failed(&m.id, "the test gave up", None)
                            .await
                            .expect("dead");
                    }
                    claimed
                };
                give_up().await;
                let c = self.case(p, p.front).await;
                self.store
                    .send_followup(admin, &c.summary.id, SendFollowUp::default(), now)
                    .await
                    .expect("follow-up");
                let dead = give_up().await;
                assert_eq!(dead.len(), 1, "one follow-up email");
                req(
                    format!("/api/v1/outbox/{}/retry", dead[0].id),
                    Some(json!({})),
                    S::NO_CONTENT,
                )
            }
            ("POST", "/api/v1/staff") => req(
                "/api/v1/staff",
                Some(
                    json!({"name": "New Person", "email": format!("{}@olive.test", self.unique("add")), "location_id": loc, "role": "front_desk"}),
                ),
                S::CREATED,
            ),
            ("PUT", "/api/v1/staff/{id}") => {
                let id = self.staff_at(p).await;
                req(
                    format!("/api/v1/staff/{id}"),
                    Some(
                        json!({"name": "Renamed Person", "location_id": loc, "role": "team_member", "username": self.unique("renamed")}),
                    ),
                    S::OK,
                )
            }
            ("POST", "/api/v1/staff/{id}/deactivate") => {
                let id = self.staff_at(p).await;
                req(
                    format!("/api/v1/staff/{id}/deactivate"),
                    Some(json!({})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/staff/{id}/secret") => {
                let id = self.staff_at(p).await;
                req(
                    format!("/api/v1/staff/{id}/secret"),
                    Some(json!({"pin": "4821"})),
                    S::NO_CONTENT,
                )
            }
            ("GET", "/api/v1/outbox") => req("/api/v1/outbox", None, S::OK),
            ("GET", "/api/v1/audit") => req(format!("/api/v1/audit?location={loc}"), None, S::OK),
            ("GET", "/api/v1/audit/export") => {
                req(format!("/api/v1/audit/export?location={loc}"), None, S::OK)
            }
            ("PUT", "/api/v1/playbooks") => {
                let source = self
                    .store
                    .playbook(p.playbook)
                    .await
                    .expect("playbook")
                    .to_toml();
                Req {
                    path: "/api/v1/playbooks".into(),
                    body: None,
                    raw: Some(source),
                    ok: S::OK,
                }
            }
            ("POST", "/api/v1/playbooks/{code}/defects") => req(
                format!("/api/v1/playbooks/{}/defects", p.playbook),
                Some(
                    json!({"code": self.unique("matrix-defect-"), "stage": p.stage, "title": "Matrix defect", "severity": "minor"}),
                ),
                S::CREATED,
            ),
            ("DELETE", "/api/v1/playbooks/{code}/defects/{defect}") => {
                let code = self.unique("retire-me-");
                let d = olive_storage::admin::NewDefect {
                    code: code.clone(),
                    stage: p.stage.into(),
                    title: "To retire".into(),
                    severity: olive_domain::playbook::Severity::Minor,
                    keywords: String::new(),
                };
                self.store
                    .add_defect(admin, p.playbook, d, now)
                    .await
                    .expect("defect");
                req(
                    format!("/api/v1/playbooks/{}/defects/{code}", p.playbook),
                    None,
                    S::OK,
                )
            }
            ("PUT", "/api/v1/playbooks/{code}/defects/{defect}/steps/{index}") => req(
                format!(
                    "/api/v1/playbooks/{}/defects/{}/steps/0",
                    p.playbook, p.defect
                ),
                Some(
                    json!({"due": "PT10M", "owner": "front_desk", "wording": "I'm sorry. I'll look after this myself, right now."}),
                ),
                S::OK,
            ),
            (m, path) => panic!("no request for {m} {path} in the matrix: add one to `build`"),
        }
    }
}

/// Rules about whose thing it is, each with the permission that lifts it.
const OBJECT_RULES: [(&str, Permission); 4] = [
    ("hand off a case someone else holds", Permission::Reassign),
    ("list someone else's API tokens", Permission::Administer),
    ("add a manager", Permission::Administer),
    ("upload a playbook under a new code", Permission::Administer),
];

impl Matrix {
    async fn object_rule(&self, what: &str, who: &str, p: &Place) -> (Method, Req) {
        use StatusCode as S;
        match what {
            "hand off a case someone else holds" => {
                let holder = self.other_than(p, who);
                let c = self.case(p, holder).await;
                let to = self.actor(self.other_than(p, holder)).staff_id.clone();
                let to = if to == self.actor(who).staff_id {
                    self.actor("dental_manager").staff_id.clone()
                } else {
                    to
                };
                let body = json!({"to": to, "reason": "covering for her"});
                (
                    Method::POST,
                    req(
                        format!("/api/v1/cases/{}/handoffs", c.summary.id),
                        Some(body),
                        S::CREATED,
                    ),
                )
            }
            "list someone else's API tokens" => {
                let other = self.actor(self.other_than(p, who)).staff_id.clone();
                (
                    Method::GET,
                    req(format!("/api/v1/tokens?staff_id={other}"), None, S::OK),
                )
            }
            "add a manager" => {
                let body = json!({"name": "New Manager", "email": format!("{}@olive.test", self.unique("mgr")), "location_id": p.id, "role": "manager"});
                (Method::POST, req("/api/v1/staff", Some(body), S::CREATED))
            }
            "upload a playbook under a new code" => {
                let mut playbook =
                    (*self.store.playbook(p.playbook).await.expect("playbook")).clone();
                playbook.playbook.code = self.unique("copy-");
                let raw = Some(playbook.to_toml());
                (
                    Method::PUT,
                    Req {
                        path: "/api/v1/playbooks".into(),
                        body: None,
                        raw,
                        ok: S::OK,
                    },
                )
            }
            other => panic!("no request for the rule '{other}'"),
        }
    }
}

async fn matrix(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let store = app.fx.store.clone();
    for (who, _) in CALLERS {
        let id = app.fx.actor(who).staff_id.clone();
        store.set_password(&id, PASSWORD).await.expect("password");
    }
    // The table lists exactly the routes of the OpenAPI document.
    let (_, doc) = app
        .call(None, Method::GET, "/api/v1/openapi.json", None)
        .await;
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            let ops = ops.as_object().expect("operations");
            ops.keys().map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let unlisted: Vec<_> = documented.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&documented).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "routes without an entry in olive_web::access::ROUTES: {unlisted:?}; entries for no route: {stale:?}"
    );

    let dental = Place {
        id: app.fx.dental.clone(),
        playbook: "dental",
        defect: "appointment-not-in-book",
        stage: "arrival",
        front: "dental_front",
        team: "dental_team",
    };
    let grill = Place {
        id: app.fx.grill.clone(),
        playbook: "restaurant",
        defect: "meal-not-as-ordered",
        stage: "food-served",
        front: "grill_front",
        team: "grill_team",
    };
    let m = Matrix {
        store,
        app,
        n: AtomicUsize::new(0),
    };
    let (mut calls, mut wrong) = (0, Vec::new());
    for route in ROUTES {
        let mut cells: Vec<(Option<(&str, Role)>, bool)> = Vec::new();
        for caller in CALLERS {
            // The admin works everywhere: the "other" location is theirs too, and is checked as such.
            cells.push((Some(caller), true));
            cells.push((Some(caller), false));
        }
        cells.push((None, true));
        for (caller, own) in cells {
            let place = if own { &dental } else { &grill };
            let who = caller.map_or("admin", |c| c.0);
            let r = m.build(route, who, place).await;
            let method = Method::from_bytes(route.method.as_bytes()).expect("method");
            let (status, body) = send(&m.app, caller.map(|c| c.0), method, &r).await;
            calls += 1;
            let want = route.scope.expect(caller.map(|c| c.1), own);
            let (want_status, want_code) = match want {
                Expect::Allowed => (r.ok, None),
                Expect::Forbidden => (StatusCode::FORBIDDEN, Some("forbidden")),
                Expect::NotFound => (StatusCode::NOT_FOUND, Some("not_found")),
                Expect::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
                Expect::Unauthorized => (StatusCode::UNAUTHORIZED, Some("unauthorized")),
            };
            let code_ok = want_code.is_none_or(|c| body["error"]["code"] == c);
            if status != want_status || !code_ok {
                wrong.push(format!(
                    "{} {} as {} at {} location: want {want_status} ({want:?}), got {status}: {body}",
                    route.method,
                    route.path,
                    caller.map_or("nobody", |c| c.0),
                    if own { "own" } else { "other" },
                ));
            }
        }
    }
    // Permissions that depend on whose thing it is, not on the route alone: from the same table.
    for (what, permission) in OBJECT_RULES {
        for (who, role) in CALLERS {
            let (method, r) = m.object_rule(what, who, &dental).await;
            let (status, body) = send(&m.app, Some(who), method, &r).await;
            calls += 1;
            let want = if allows(role, permission) {
                r.ok
            } else {
                StatusCode::FORBIDDEN
            };
            if status != want {
                wrong.push(format!(
                    "{what} as {who}: want {want} ({permission:?}), got {status}: {body}"
                ));
            }
        }
    }
    eprintln!(
        "authorization matrix: {} routes and {} object rules, {calls} calls, {} unexpected",
        ROUTES.len(),
        OBJECT_RULES.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn send(app: &TestApp, who: Option<&str>, method: Method, r: &Req) -> (StatusCode, Value) {
    match &r.raw {
        None => app.call(who, method, &r.path, r.body.clone()).await,
        Some(raw) => {
            let mut q = app
                .http
                .request(method, format!("{}{}", app.base, r.path))
                .header("content-type", "application/toml")
                .body(raw.clone());
            if let Some(w) = who {
                q = q.bearer_auth(&app.tokens[w]);
            }
            let res = q.send().await.expect("request");
            let status = res.status();
            let text = res.text().await.expect("body");
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    matrix(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    matrix(true).await;
}
