//! The approvals queue with its context: for each request waiting for the caller, the case's customer
//! (in the playbook's words), the defect, the gesture's name and typical value, what the case was
//! already given, and who asked — read in a few statements for the whole queue, not one per request.

use super::*;
use crate::views::GestureView;

/// One gesture request waiting for the caller's decision, with what a manager needs to decide it.
#[derive(Debug, Clone)]
pub struct ApprovalContext {
    /// the request (its `note` is the requester's reason, `given_by` the requester, `given_at` when asked)
    pub gesture: GestureView,
    /// `C-1042`
    pub case_ref: String,
    pub location_id: String,
    pub location_name: String,
    /// the playbook's word for the customer ("patient", "guest")
    pub customer_noun: String,
    /// how staff name the customer: the name, else the table ("Table 12"), else the noun
    pub customer: String,
    pub defect_title: String,
    /// the playbook's name for the gesture ("Flowers delivered to the patient's home"), else its code
    pub gesture_name: String,
    /// the playbook's typical value for it, when it has one
    pub typical_cents: Option<i64>,
    /// gestures the case was already given (approved, sent or delivered): (name, cents), oldest first
    pub given: Vec<(String, i64)>,
    /// their sum, in the case's currency
    pub given_cents: i64,
}

impl Store {
    /// Every request waiting for the caller's approval (those within their authority, at their
    /// locations), oldest first, each with its case's context.
    pub async fn approval_queue(
        &self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<ApprovalContext>, StoreError> {
        let pending = self.pending_gestures(actor, now).await?;
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = pending.iter().map(|(id, _, _)| id.clone()).collect();
        let cases = self
            .db
            .fetch_all(
                &crate::cases::case_select()
                    .and_where(Expr::col("id").is_in(ids.clone()))
                    .to_owned(),
            )
            .await?
            .iter()
            .map(crate::cases::case_from_row)
            .map(|c| c.map(|c| (c.id.clone(), c)))
            .collect::<Result<std::collections::HashMap<_, _>, _>>()?;
        let given_rows = self
            .db
            .fetch_all(
                &Query::select()
                    .columns(["case_id", "kind", "value_cents", "given_at", "id"])
                    .from("gestures")
                    .and_where(Expr::col("case_id").is_in(ids))
                    .and_where(
                        Expr::col("status").is_in(GestureStatus::GIVEN.map(GestureStatus::as_str)),
                    )
                    .order_by("given_at", Order::Asc)
                    .order_by("id", Order::Asc)
                    .to_owned(),
            )
            .await?;
        let mut given: std::collections::HashMap<String, Vec<(String, i64)>> = Default::default();
        for r in &given_rows {
            given
                .entry(s(r, "case_id")?)
                .or_default()
                .push((s(r, "kind")?, i(r, "value_cents")?));
        }
        let mut places = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(pending.len());
        for (case_id, case_ref, g) in pending {
            let Some(c) = cases.get(&case_id) else {
                continue;
            };
            if !places.contains_key(&c.location_id) {
                let l = self.location(&c.location_id).await?;
                let p = self
                    .playbook_at(&l.playbook_code, l.playbook_updated_at)
                    .await?;
                places.insert(c.location_id.clone(), (l.name.clone(), p));
            }
            let (location_name, playbook) = &places[&c.location_id];
            let name_of = |code: &str| {
                playbook
                    .gesture(code)
                    .map_or_else(|| code.replace('-', " "), |k| k.name.clone())
            };
            let given: Vec<(String, i64)> = given
                .get(&case_id)
                .map(|v| v.iter().map(|(k, v)| (name_of(k), *v)).collect())
                .unwrap_or_default();
            out.push(ApprovalContext {
                case_ref,
                location_id: c.location_id.clone(),
                location_name: location_name.clone(),
                customer_noun: playbook.playbook.customer_noun.clone(),
                customer: playbook.display_name(&c.customer.name, &c.fields),
                defect_title: c.defect_title.clone(),
                gesture_name: name_of(&g.kind),
                typical_cents: playbook
                    .gesture(&g.kind)
                    .and_then(|k| k.typical_value_cents)
                    .map(|c| c.0),
                given_cents: given.iter().map(|(_, v)| v).sum(),
                given,
                gesture: g,
            });
        }
        Ok(out)
    }
}
