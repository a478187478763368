//! Reminder digests: a person's alerts from one run of the scheduler become one email, even though the
//! run writes them in several short transactions (so that it never holds SQLite's single writer for
//! long). Each transaction queues its part of the email held back from delivery (`next_attempt_at` a
//! minute ahead); when the run ends, the parts are merged into one email sent at once. After a crash
//! mid-run the parts go out as they are when the hold ends: nothing committed is lost.

use crate::cases::CaseRow;
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::notify::Recipient;
use crate::outbox::{self, EmailOut};
use crate::rows::ms;
use jiff::{SignedDuration, Timestamp};
use olive_domain::alerts::AlertKind;
use olive_domain::followup::greeting_name;
use sea_query::{Expr, ExprTrait, Query};
use std::collections::{HashMap, HashSet};

/// How long a digest still being written is held back from delivery.
const HOLD: SignedDuration = SignedDuration::from_secs(60);

/// One line of a person's reminder digest.
#[derive(Clone)]
pub(crate) struct Item {
    pub case: CaseRow,
    pub kind: AlertKind,
    pub text: String,
    /// the My-work kind when it is not the alert's own (a major case's overdue step told to the managers)
    pub note: Option<&'static str>,
}

/// A person's digest so far: one held outbox row per transaction that had something for them.
#[derive(Default)]
struct Draft {
    name: String,
    to: String,
    parts: Vec<(String, Vec<Item>)>,
}

/// A part written in the current transaction: (staff id, name, address, outbox id, lines).
type Staged = (String, String, String, String, Vec<Item>);

/// The digests of one scheduler run, by staff id. Parts written in a transaction are staged until
/// `commit` (after the transaction committed) or dropped by `discard` (it failed), so the digests
/// only ever hold what was committed.
#[derive(Default)]
pub(crate) struct Digests {
    drafts: HashMap<String, Draft>,
    staged: Vec<Staged>,
}

impl Digests {
    /// Write the person's `items` from this transaction as one more part of their digest: an email of
    /// its own, held back until `release` merges the parts (or the hold ends, after a crash).
    pub async fn add(
        &mut self,
        tx: &mut Tx,
        person: &Recipient,
        to: &str,
        items: Vec<Item>,
        base: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let held = now.checked_add(HOLD).unwrap_or(now);
        let id = queue(tx, &person.name, to, &items, base, now, held).await?;
        self.staged.push((
            person.id.clone(),
            person.name.clone(),
            to.to_string(),
            id,
            items,
        ));
        Ok(())
    }

    /// The transaction that wrote the staged parts committed: they count.
    pub fn commit(&mut self) {
        for (person, name, to, id, items) in self.staged.drain(..) {
            self.drafts
                .entry(person)
                .or_insert_with(|| Draft {
                    name,
                    to,
                    parts: Vec::new(),
                })
                .parts
                .push((id, items));
        }
    }

    /// The transaction that wrote the staged parts failed: they were never written.
    pub fn discard(&mut self) {
        self.staged.clear();
    }

    /// Merge each person's parts into one email and release it for delivery now. A part already sent
    /// (the run outlived the hold) is left out of the merge.
    pub async fn release(self, db: &Db, base: &str, now: Timestamp) -> Result<(), StoreError> {
        let mut single = Vec::new();
        for draft in self.drafts.into_values() {
            if draft.parts.len() == 1 {
                single.extend(draft.parts.into_iter().map(|(id, _)| id));
                continue;
            }
            let mut tx = db.begin().await?;
            let ids: Vec<String> = draft.parts.iter().map(|(id, _)| id.clone()).collect();
            let unsent: HashSet<String> = tx
                .fetch_all_once(
                    &Query::delete()
                        .from_table("outbox")
                        .and_where(Expr::col("id").is_in(ids))
                        .and_where(Expr::col("status").eq("pending"))
                        .and_where(Expr::col("attempts").eq(0))
                        .returning_col("id")
                        .to_owned(),
                )
                .await?
                .iter()
                .map(|r| crate::rows::s(r, "id"))
                .collect::<Result<_, _>>()?;
            let items: Vec<Item> = draft
                .parts
                .into_iter()
                .filter(|(id, _)| unsent.contains(id))
                .flat_map(|(_, items)| items)
                .collect();
            if !items.is_empty() {
                queue(&mut tx, &draft.name, &draft.to, &items, base, now, now).await?;
            }
            tx.commit().await?;
        }
        for chunk in single.chunks(500) {
            let mut tx = db.begin().await?;
            tx.execute_once(
                &Query::update()
                    .table("outbox")
                    .value("next_attempt_at", ms(now))
                    .and_where(Expr::col("id").is_in(chunk.iter().cloned()))
                    .and_where(Expr::col("status").eq("pending"))
                    .and_where(Expr::col("attempts").eq(0))
                    .to_owned(),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// Queue the digest of `items` to `to`, not sent before `send_at`.
async fn queue(
    tx: &mut Tx,
    name: &str,
    to: &str,
    items: &[Item],
    base: &str,
    now: Timestamp,
    send_at: Timestamp,
) -> Result<String, StoreError> {
    let (subject, body) = render(name, items, base);
    let case_id = single_case(items);
    outbox::queue_email_at(
        tx,
        EmailOut {
            to,
            subject,
            body,
            event: "reminder",
            location_id: &items[0].case.location_id,
            case_id: case_id.as_deref(),
            list_unsubscribe: None,
        },
        now,
        send_at,
    )
    .await
}

/// The case a one-line digest is about (none for several lines).
fn single_case(items: &[Item]) -> Option<String> {
    match items {
        [one] => Some(one.case.id.clone()),
        _ => None,
    }
}

/// Subject and body of a digest.
fn render(name: &str, items: &[Item], base: &str) -> (String, String) {
    let subject = match items {
        [one] => match one.kind {
            _ if one.note.is_some() => format!("Major case overdue: C-{}", one.case.reference),
            AlertKind::Reminder => format!("Due soon: C-{}", one.case.reference),
            AlertKind::Overdue => format!("Overdue: C-{}", one.case.reference),
            AlertKind::Escalation => format!("Escalated: C-{}", one.case.reference),
        },
        many => format!("Olive: {} recovery steps need attention", many.len()),
    };
    let mut body = match greeting_name(name) {
        Some(n) => format!("Hi {n},\n\n"),
        None => "Hello,\n\n".to_string(),
    };
    for it in items {
        body.push_str(&format!(
            "- {}\n  {base}/cases/C-{}\n",
            it.text, it.case.reference
        ));
    }
    body.push_str("\nEvery one of these is a customer waiting to hear from us.\n");
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{CustomerInput, NewCase};
    use crate::outbox::Channel;
    use crate::testing::{Fixture, fresh_store};

    /// Two parts written in two transactions: held until released (merged into one email due now), or,
    /// when the run never ends, each sent on its own once the hold is over.
    async fn parts_are_held_then_merged_or_sent(postgres: bool) {
        let fx = Fixture::new(fresh_store(postgres).await.unwrap())
            .await
            .unwrap();
        let store = &fx.store;
        let now = Timestamp::now();
        let mut items = Vec::new();
        for name in ["Ann One", "Ben Two"] {
            let input = NewCase {
                location_id: fx.dental.clone(),
                defect: "long-wait".into(),
                stage: None,
                customer: CustomerInput {
                    name: name.into(),
                    ..Default::default()
                },
                description: String::new(),
                severity: None,
                fields: Default::default(),
                noticed_at: None,
                done_steps: Vec::new(),
            };
            let (c, _) = store
                .create_case(fx.actor("dental_front"), input, None, now)
                .await
                .unwrap();
            let mut tx = store.db.begin().await.unwrap();
            let case = store.case_by_id_tx(&mut tx, &c.summary.id).await.unwrap();
            items.push(Item {
                case,
                kind: AlertKind::Reminder,
                text: format!("{name}: due soon"),
                note: None,
            });
        }
        let person = Recipient {
            id: fx.actor("dental_front").staff_id.clone(),
            name: "Dana Front".into(),
            email: Some("dana@olive.test".into()),
        };
        let write = |digests: Digests| async {
            let mut digests = digests;
            for it in &items {
                let mut tx = store.db.begin().await.unwrap();
                digests
                    .add(
                        &mut tx,
                        &person,
                        "dana@olive.test",
                        vec![it.clone()],
                        "https://o.test",
                        now,
                    )
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                digests.commit();
            }
            digests
        };
        let due = |at: Timestamp| async move {
            store
                .claim_outbox(&[Channel::Email], at, SignedDuration::from_secs(60), 100)
                .await
                .unwrap()
        };

        // A run that stops after writing its parts: nothing goes out during the hold, then each part.
        let _crashed = write(Digests::default()).await;
        assert!(due(now).await.is_empty(), "held while the run is writing");
        let late = due(now + HOLD + SignedDuration::from_secs(1)).await;
        assert_eq!(late.len(), 2, "after the hold, each part on its own");
        assert!(late.iter().all(|m| m.subject.starts_with("Due soon: C-")));

        // A run that ends: one email with both lines, due at once.
        let digests = write(Digests::default()).await;
        digests
            .release(&store.db, "https://o.test", now)
            .await
            .unwrap();
        let sent = due(now).await;
        assert_eq!(sent.len(), 1, "the parts merged into one email");
        assert_eq!(sent[0].subject, "Olive: 2 recovery steps need attention");
        for it in &items {
            assert!(sent[0].body.contains(&it.text), "{}", sent[0].body);
        }
    }

    #[tokio::test]
    async fn held_parts_sqlite() {
        parts_are_held_then_merged_or_sent(false).await;
    }

    #[tokio::test]
    async fn held_parts_postgres() {
        parts_are_held_then_merged_or_sent(true).await;
    }
}
