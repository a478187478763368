//! The request for each API route, as a caller pointing at a location.

use super::{Matrix, PASSWORD, Place, Req, req};
use olive_domain::gesture::GestureStatus;
use olive_storage::actions::{Decision, NewHandoff};
use olive_storage::followup::SendFollowUp;
use olive_storage::outbox::Channel;
use olive_web::access::Route;
use reqwest::StatusCode;
use serde_json::json;

impl Matrix {
    /// The request for one route, as `who` pointing at `p`, with whatever it acts on made fresh.
    pub(super) async fn build(&self, route: &Route, who: &str, p: &Place) -> Req {
        use StatusCode as S;
        let admin = self.actor("admin");
        let me = self.actor(who).staff_id.clone();
        let now = self.now();
        let loc = &p.id;
        match (route.method, route.path) {
            ("GET", "/api/v1/health") => req("/api/v1/health", None, S::OK),
            ("GET", "/api/v1/ready") => req("/api/v1/ready", None, S::OK),
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
            ("GET", "/api/v1/me/settings") => req("/api/v1/me/settings", None, S::OK),
            ("PUT", "/api/v1/me/settings") => req(
                "/api/v1/me/settings",
                Some(json!({"monthly_report": true})),
                S::OK,
            ),
            ("GET", "/api/v1/reports/monthly.pdf") => {
                // last month, at the caller's (or the other) location
                let month = olive_report::Month::of(now.to_zoned(jiff::tz::TimeZone::UTC).date())
                    .previous();
                req(
                    format!("/api/v1/reports/monthly.pdf?location_id={loc}&month={month}"),
                    None,
                    S::OK,
                )
            }
            ("GET", "/api/v1/my-work") => req("/api/v1/my-work", None, S::OK),
            ("POST", "/api/v1/my-work/decisions/acknowledge") => {
                req("/api/v1/my-work/decisions/acknowledge", None, S::OK)
            }
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
            ("GET", "/api/v1/reports/summary") => req(
                format!("/api/v1/reports/summary?location_id={loc}"),
                None,
                S::OK,
            ),
            ("GET", "/api/v1/cases/count") => req(
                format!("/api/v1/cases/count?location_id={loc}"),
                None,
                S::OK,
            ),
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
                let (case, step) = self.step_for(p, who).await;
                req(
                    format!("/api/v1/cases/{case}/steps/{step}/complete"),
                    Some(json!({"note": "done"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/steps/{step_id}/skip") => {
                let (case, step) = self.step_for(p, who).await;
                req(
                    format!("/api/v1/cases/{case}/steps/{step}/skip"),
                    Some(json!({"reason": "not needed"})),
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/steps/{step_id}/claim") => {
                let (case, step) = self.step_for(p, who).await;
                req(
                    format!("/api/v1/cases/{case}/steps/{step}/claim"),
                    None,
                    S::OK,
                )
            }
            ("POST", "/api/v1/cases/{key}/steps/{step_id}/assign") => {
                let (case, step) = self.step_for(p, who).await;
                req(
                    format!("/api/v1/cases/{case}/steps/{step}/assign"),
                    Some(json!({"staff_id": me})),
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
                    Some(json!({"address": "4 Darling St, Balmain"})),
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
                        Decision {
                            note: None,
                            address: Some("4 Darling St, Balmain".into()),
                        },
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
            ("GET", "/api/v1/prevention") => req("/api/v1/prevention", None, S::OK),
            ("POST", "/api/v1/prevention/{id}") => {
                // A case of the place's defect opens (or joins) its action there.
                self.case(p, p.front).await;
                let filter = olive_storage::prevention::PreventionFilter {
                    location_id: Some(loc.clone()),
                    status: Some("open".into()),
                };
                let actions = self
                    .store
                    .list_prevention(admin, filter)
                    .await
                    .expect("prevention actions");
                req(
                    format!("/api/v1/prevention/{}", actions[0].id),
                    Some(json!({"notes": "matrix"})),
                    S::OK,
                )
            }
            ("GET", "/api/v1/audit") => req(format!("/api/v1/audit?location={loc}"), None, S::OK),
            ("GET", "/api/v1/audit/export") => {
                req(format!("/api/v1/audit/export?location={loc}"), None, S::OK)
            }
            ("GET", "/api/v1/reports/cases.csv") => req(
                format!("/api/v1/reports/cases.csv?location_id={loc}"),
                None,
                S::OK,
            ),
            ("GET", "/api/v1/reports/cases.xlsx") => req(
                format!("/api/v1/reports/cases.xlsx?location_id={loc}"),
                None,
                S::OK,
            ),
            ("PUT", "/api/v1/locations/{id}/budget") => req(
                format!("/api/v1/locations/{loc}/budget"),
                Some(json!({"monthly_cents": 150000})),
                S::OK,
            ),
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
