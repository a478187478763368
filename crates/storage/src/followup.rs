//! Customer follow-up: a staff member sends "Did we make it right?" with a single-case link; the
//! customer's answer closes the case as recovered or reopens it; customers can opt out.

use crate::actor::Actor;
use crate::audit::By;
use crate::cases::CaseRow;
use crate::db::Tx;
use crate::error::{FieldErrors, StoreError};
use crate::outbox::{self, EmailOut};
use crate::rows::{i, ms, new_id, oi, opt_rfc3339, os, rfc3339, s};
use crate::store::Store;
use crate::views::CaseDetail;
use jiff::Timestamp;
use olive_domain::case::{CaseEvent, CaseStatus, CloseOutcome, StepStatus};
use olive_domain::events::EventType;
use olive_domain::followup::{Answer, Personal, first_name, personalise, unfilled_blanks};
use olive_domain::permission::Permission;
use olive_domain::playbook::StepKind;
use rand::RngCore;
use sea_query::{Expr, ExprTrait, LockType, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Used when the protocol's verify step has no wording of its own.
const DEFAULT_MESSAGE: &str = "Hi {first_name}, thank you for giving {business} the chance to put things right. We would like to know if we did.";

#[derive(Debug, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SendFollowUp {
    /// the message (placeholders `{first_name}`, `{business}`, `{staff}`); default: the verify step's wording
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowUpView {
    pub id: String,
    pub channel: String,
    pub sent_at: String,
    pub expires_at: String,
    /// `waiting`, `answered`, `unanswered` (no answer in time: call the customer) or `expired`
    pub state: String,
    pub rating: Option<i64>,
    pub would_return: Option<bool>,
    pub comment: Option<String>,
    pub answered_at: Option<String>,
}

/// What the public follow-up page may show: the business and the customer's first name, nothing else.
#[derive(Debug, Clone)]
pub enum FollowUpPage {
    Open {
        business: String,
        first_name: String,
    },
    Answered {
        business: String,
    },
    Expired {
        business: String,
    },
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Contact keys a customer's opt-out is stored under.
pub(crate) fn contact_keys(c: &CaseRow) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(e) = &c.customer.email {
        keys.push(format!("email:{}", e.to_lowercase()));
    }
    if let Some(p) = &c.customer.phone {
        keys.push(format!("phone:{p}"));
    }
    keys
}

pub(crate) fn followup_view(
    r: &sqlx::any::AnyRow,
    now: Timestamp,
) -> Result<FollowUpView, StoreError> {
    let answered = oi(r, "answered_at")?;
    let expires = i(r, "expires_at")?;
    let state = if answered.is_some() {
        "answered"
    } else if oi(r, "timed_out_at")?.is_some() {
        "unanswered"
    } else if expires <= ms(now) {
        "expired"
    } else {
        "waiting"
    };
    Ok(FollowUpView {
        id: s(r, "id")?,
        channel: s(r, "channel")?,
        sent_at: rfc3339(i(r, "created_at")?),
        expires_at: rfc3339(expires),
        state: state.into(),
        rating: oi(r, "rating")?,
        would_return: oi(r, "would_return")?.map(|v| v != 0),
        comment: os(r, "comment")?,
        answered_at: opt_rfc3339(answered),
    })
}

pub(crate) const FOLLOWUP_COLS: [&str; 10] = [
    "id",
    "channel",
    "created_at",
    "expires_at",
    "answered_at",
    "timed_out_at",
    "rating",
    "would_return",
    "comment",
    "case_id",
];

impl Store {
    /// Has this customer (by email or phone) asked not to be contacted?
    pub(crate) async fn opted_out(&self, c: &CaseRow) -> Result<bool, StoreError> {
        let keys = contact_keys(c);
        if keys.is_empty() {
            return Ok(false);
        }
        Ok(self
            .db
            .fetch_optional(
                &Query::select()
                    .column("contact")
                    .from("contact_opt_outs")
                    .and_where(Expr::col("contact").is_in(keys))
                    .to_owned(),
            )
            .await?
            .is_some())
    }

    /// Follow-ups of a case, oldest first.
    pub(crate) async fn followups_of(
        &self,
        case_id: &str,
        now: Timestamp,
    ) -> Result<Vec<FollowUpView>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .columns(FOLLOWUP_COLS)
                    .from("followups")
                    .and_where(Expr::col("case_id").eq(case_id))
                    .order_by("created_at", Order::Asc)
                    .to_owned(),
            )
            .await?;
        rows.iter().map(|r| followup_view(r, now)).collect()
    }

    /// The verify step's wording when it reads as a finished message (no blanks left); else the general one.
    async fn default_message(
        &self,
        case_id: &str,
        personal: &Personal<'_>,
    ) -> Result<String, StoreError> {
        let wording = self
            .db
            .fetch_optional(
                &Query::select()
                    .column("wording")
                    .from("case_steps")
                    .and_where(Expr::col("case_id").eq(case_id))
                    .and_where(Expr::col("kind").eq(StepKind::Verify.as_str()))
                    .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                    .order_by("position", Order::Asc)
                    .to_owned(),
            )
            .await?
            .map(|r| s(&r, "wording"))
            .transpose()?;
        Ok(wording
            .map(|w| personalise(&w, personal))
            .filter(|w| !w.trim().is_empty() && unfilled_blanks(w).is_empty())
            .unwrap_or_else(|| personalise(DEFAULT_MESSAGE, personal)))
    }

    /// The message a follow-up would carry by default, for the staff to read (and change) before sending.
    pub async fn followup_draft(&self, actor: &Actor, key: &str) -> Result<String, StoreError> {
        let c = self.case_row(actor, key).await?;
        let location = self.location(&c.location_id).await?;
        let personal = Personal {
            customer: &c.customer.name,
            business: &location.name,
            staff: &actor.name,
        };
        self.default_message(&c.id, &personal).await
    }

    /// Send the customer "Did we make it right?" by email, with a link to `/f/{token}`. Returns the case
    /// and the link (the demo prints it; the API never shows it: only the customer gets it).
    pub async fn send_followup(
        &self,
        actor: &Actor,
        key: &str,
        input: SendFollowUp,
        now: Timestamp,
    ) -> Result<(CaseDetail, String), StoreError> {
        let c = self.case_row(actor, key).await?;
        actor.require_on(Permission::Change, &c.location_id, "case")?;
        if !c.status.is_active() {
            return Err(StoreError::conflict(
                "case_finished",
                format!("the case is {}", c.status.as_str()),
            ));
        }
        let Some(email) = c.customer.email.clone() else {
            return Err(StoreError::field(
                "customer.email",
                "add the customer's email to the case to send a follow-up",
            ));
        };
        if self.opted_out(&c).await? {
            return Err(StoreError::conflict(
                "customer_opted_out",
                "the customer asked not to be contacted again; verify in person or by a call they expect",
            ));
        }
        let location = self.location(&c.location_id).await?;
        let personal = Personal {
            customer: &c.customer.name,
            business: &location.name,
            staff: &actor.name,
        };
        let message = match input.message.filter(|m| !m.trim().is_empty()) {
            Some(m) => {
                let mut errs = FieldErrors::default();
                errs.check(
                    m.chars().count() <= 2000,
                    "message",
                    "too long (2000 characters at most)",
                );
                errs.into_result()?;
                let message = personalise(&m, &personal);
                let blanks = unfilled_blanks(&message);
                if !blanks.is_empty() {
                    return Err(StoreError::field(
                        "message",
                        format!("fill in {} before sending", blanks.join(", ")),
                    ));
                }
                message
            }
            None => self.default_message(&c.id, &personal).await?,
        };
        let checker = self.wording_checker_for(&location.id).await?;
        let findings = checker.check(&message);
        if let Some(f) = findings.first() {
            return Err(StoreError::field(
                "message",
                format!(
                    "the wording check flagged \"{}\": {} Try: {}",
                    f.excerpt, f.message, f.suggestion
                ),
            ));
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let cfg = self.loop_config();
        let expires = now.checked_add(cfg.followup_expiry).unwrap_or(now);
        let link = format!("{}/f/{token}", cfg.public_url.trim_end_matches('/'));
        let until = expires
            .to_zoned(location.tz.clone())
            .strftime("%A %-d %B %Y")
            .to_string();
        let body = format!(
            "{message}\n\nDid we make it right? Tell us in a minute: {link}\n\n\
             The link works until {until}. If you would rather not hear from us about this, you can say so on the same page.\n\n\
             {}\n",
            location.name
        );
        let id = new_id();
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::insert()
                .into_table("followups")
                .columns([
                    "id",
                    "case_id",
                    "token_hash",
                    "channel",
                    "recipient",
                    "sent_by",
                    "created_at",
                    "expires_at",
                ])
                .values_panic([
                    id.clone().into(),
                    c.id.clone().into(),
                    token_hash(&token).into(),
                    "email".into(),
                    email.clone().into(),
                    actor.staff_id.clone().into(),
                    ms(now).into(),
                    ms(expires).into(),
                ])
                .to_owned(),
        )
        .await?;
        outbox::queue_email(
            &mut tx,
            EmailOut {
                to: &email,
                subject: format!("Did we make it right, {}?", first_name(&c.customer.name)),
                body,
                event: "follow_up",
                location_id: &c.location_id,
                case_id: Some(&c.id),
            },
            now,
        )
        .await?;
        let wait = now.checked_add(cfg.followup_wait).unwrap_or(now);
        crate::scheduler::queue_job(
            &mut tx,
            "followup_timeout",
            &format!("followup-timeout:{id}"),
            json!({"followup_id": id, "case_id": c.id}),
            wait,
            now,
        )
        .await?;
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), CaseEvent::FollowUpSent, json!({"follow_up_id": id, "channel": "email", "message": message, "expires_at": rfc3339(ms(expires))})).await?;
        tx.commit().await?;
        Ok((self.get_case(actor, &c.id, now).await?, link))
    }

    /// Read a follow-up link (no sign-in). Unknown tokens are `NotFound`.
    pub async fn followup_page(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<FollowUpPage, StoreError> {
        let row = self.followup_by_token(None, token).await?;
        let c = self.case_by_id(&s(&row, "case_id")?).await?;
        let business = self.location(&c.location_id).await?.name;
        Ok(if oi(&row, "answered_at")?.is_some() {
            FollowUpPage::Answered { business }
        } else if i(&row, "expires_at")? <= ms(now) {
            FollowUpPage::Expired { business }
        } else {
            FollowUpPage::Open {
                business,
                first_name: first_name(&c.customer.name).to_string(),
            }
        })
    }

    async fn followup_by_token(
        &self,
        tx: Option<&mut Tx>,
        token: &str,
    ) -> Result<sqlx::any::AnyRow, StoreError> {
        // Tokens are 64 hex characters; anything else cannot match and is not worth a query.
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound("follow-up"));
        }
        let q = Query::select()
            .columns(FOLLOWUP_COLS)
            .from("followups")
            .and_where(Expr::col("token_hash").eq(token_hash(&token.to_ascii_lowercase())))
            .lock(LockType::Update)
            .to_owned();
        let row = match tx {
            Some(tx) => tx.fetch_optional(&q).await?,
            None => self.db.fetch_optional(&q).await?,
        };
        row.ok_or(StoreError::NotFound("follow-up"))
    }

    /// The customer's answer. A good one (4–5 and would come back) verifies and closes the case as
    /// recovered; a poor one reopens it with a new step and tells the owner and the managers.
    pub async fn answer_followup(
        &self,
        token: &str,
        answer: Answer,
        opt_out: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let row = self.followup_by_token(Some(&mut tx), token).await?;
        if oi(&row, "answered_at")?.is_some() {
            return Err(StoreError::conflict(
                "already_answered",
                "this follow-up has already been answered; thank you",
            ));
        }
        if i(&row, "expires_at")? <= ms(now) {
            return Err(StoreError::conflict(
                "expired",
                "this follow-up link has expired",
            ));
        }
        let followup_id = s(&row, "id")?;
        let c = self.case_by_id_tx(&mut tx, &s(&row, "case_id")?).await?;
        tx.execute(
            &Query::update()
                .table("followups")
                .values([
                    ("answered_at", ms(now).into()),
                    ("rating", i64::from(answer.rating).into()),
                    ("would_return", i64::from(answer.would_return).into()),
                    ("comment", answer.comment.clone().into()),
                ])
                .and_where(Expr::col("id").eq(followup_id.clone()))
                .to_owned(),
        )
        .await?;
        let recovered = answer.is_recovered();
        let said = json!({"follow_up_id": followup_id, "rating": answer.rating, "would_return": answer.would_return, "comment": answer.comment, "recovered": recovered});
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Customer,
            CaseEvent::FollowUpAnswered,
            said.clone(),
        )
        .await?;
        outbox::emit(
            &mut tx,
            EventType::FeedbackReceived,
            &c.location_id,
            Some(&c.id),
            json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "rating": answer.rating, "would_return": answer.would_return, "recovered": recovered}),
            now,
        )
        .await?;
        if opt_out {
            for key in contact_keys(&c) {
                tx.execute(
                    &Query::insert()
                        .into_table("contact_opt_outs")
                        .columns(["contact", "source", "created_at"])
                        .values_panic([key.into(), "follow_up_page".into(), ms(now).into()])
                        .on_conflict(
                            sea_query::OnConflict::column("contact")
                                .do_nothing()
                                .to_owned(),
                        )
                        .to_owned(),
                )
                .await?;
            }
            tx.case_event(
                &c.id,
                &c.location_id,
                now,
                By::Customer,
                CaseEvent::OptedOut,
                json!({"source": "follow_up_page"}),
            )
            .await?;
        }
        if c.status.is_active() {
            if recovered {
                self.recovered_by_answer(&mut tx, &c, &answer, now).await?;
            } else {
                self.reopen_after_poor_answer(&mut tx, &c, &answer, now)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Record the customer's answer as the verification; close as recovered when nothing else is open.
    async fn recovered_by_answer(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        answer: &Answer,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let said = if answer.comment.is_empty() {
            format!("Rated {} of 5 and would come back.", answer.rating)
        } else {
            format!(
                "Rated {} of 5 and would come back: {}",
                answer.rating, answer.comment
            )
        };
        tx.execute(&crate::actions::verification_insert(
            &c.id,
            crate::cases::CUSTOMER,
            "customer_answer",
            &said,
            true,
            now,
        ))
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Customer,
            CaseEvent::Verified,
            json!({"method": "customer_answer", "customer_said": said, "satisfied": true}),
        )
        .await?;
        let pending = tx
            .fetch_all(
                &Query::select()
                    .columns(["id", "kind"])
                    .from("case_steps")
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                    .to_owned(),
            )
            .await?;
        let others_open = pending
            .iter()
            .any(|r| s(r, "kind").is_ok_and(|k| k != StepKind::Verify.as_str()));
        tx.execute(
            &Query::update()
                .table("case_steps")
                .values([
                    ("status", StepStatus::Done.as_str().into()),
                    ("done_by", crate::cases::CUSTOMER.into()),
                    ("done_at", ms(now).into()),
                    ("note", "the customer's answer to the follow-up".into()),
                ])
                .and_where(Expr::col("case_id").eq(c.id.clone()))
                .and_where(Expr::col("kind").eq(StepKind::Verify.as_str()))
                .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                .to_owned(),
        )
        .await?;
        if others_open {
            // Steps are still open (a card to post, say): the owner closes the case when they are done.
            return Ok(());
        }
        tx.execute(
            &Query::update()
                .table("cases")
                .values([
                    ("status", CaseStatus::Closed.as_str().into()),
                    ("outcome", CloseOutcome::Recovered.as_str().into()),
                    ("closed_at", ms(now).into()),
                    ("updated_at", ms(now).into()),
                    ("next_due_at", None::<i64>.into()),
                ])
                .and_where(Expr::col("id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Customer,
            CaseEvent::Closed,
            json!({"outcome": "recovered", "by": "customer_answer"}),
        )
        .await?;
        outbox::emit(
            tx,
            EventType::CaseClosed,
            &c.location_id,
            Some(&c.id),
            json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "outcome": "recovered"}),
            now,
        )
        .await
    }

    /// A poor answer: back to in progress with a new step, and the owner and managers are told.
    async fn reopen_after_poor_answer(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        answer: &Answer,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let location = self.location(&c.location_id).await?;
        let title = format!(
            "Call {} about their answer ({} of 5{}) and put it right",
            first_name(&c.customer.name),
            answer.rating,
            if answer.would_return {
                ""
            } else {
                ", would not come back"
            }
        );
        // The verification asked for is answered (poorly): a new one follows the new fix.
        tx.execute(
            &Query::update()
                .table("case_steps")
                .values([
                    ("status", StepStatus::Skipped.as_str().into()),
                    (
                        "skip_reason",
                        "the customer's answer showed it was not put right".into(),
                    ),
                    ("done_at", ms(now).into()),
                ])
                .and_where(Expr::col("case_id").eq(c.id.clone()))
                .and_where(Expr::col("kind").eq(StepKind::Verify.as_str()))
                .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                .to_owned(),
        )
        .await?;
        self.add_recovery_steps(tx, c, &location, &title, now)
            .await?;
        let reason = format!(
            "the customer answered the follow-up: {} of 5, {}",
            answer.rating,
            if answer.would_return {
                "would come back"
            } else {
                "would not come back"
            }
        );
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Customer,
            CaseEvent::Reopened,
            json!({"reason": reason, "comment": answer.comment}),
        )
        .await?;
        outbox::emit(
            tx,
            EventType::CaseReopened,
            &c.location_id,
            Some(&c.id),
            json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "reason": reason}),
            now,
        )
        .await?;
        let mut text = format!(
            "C-{} ({}) was not put right: {reason}.",
            c.reference,
            first_name(&c.customer.name)
        );
        if !answer.comment.is_empty() {
            text.push_str(&format!(" They wrote: \"{}\"", answer.comment));
        }
        let mut people = vec![c.owner_id.clone()];
        people.extend(self.managers_of(tx, &c.location_id).await?);
        self.notify(
            tx,
            &people,
            c,
            "follow_up_poor",
            &format!("Not recovered yet: C-{}", c.reference),
            &text,
            now,
        )
        .await
    }
}
