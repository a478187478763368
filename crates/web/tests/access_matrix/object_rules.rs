//! Permissions that depend on whose thing it is, not on the route alone: the rules and their requests.

use super::{Matrix, Place, Req, req};
use olive_domain::permission::Permission;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Rules about whose thing it is, each with the permission that lifts it.
pub(super) const OBJECT_RULES: [(&str, Permission); 4] = [
    ("hand off a case someone else holds", Permission::Reassign),
    ("list someone else's API tokens", Permission::Administer),
    ("add a manager", Permission::Administer),
    ("upload a playbook under a new code", Permission::Administer),
];

impl Matrix {
    pub(super) async fn object_rule(&self, what: &str, who: &str, p: &Place) -> (Method, Req) {
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
