//! A location's own contact details (phone, email, address): checked, written and audited.

use crate::actor::Actor;
use crate::audit::{By, Target};
use crate::db::Tx;
use crate::error::{FieldErrors, StoreError};
use crate::store::{Location, Store};
use olive_domain::contact::{Address, BusinessPhone, Email};
use olive_domain::permission::Permission;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::{Value, json};

/// A change to a location's contact details. For each: `None` leaves it as it is, an empty (or blank)
/// text clears it, anything else replaces it once it passes its check.
#[derive(Debug, Clone, Default)]
pub struct ContactUpdate {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// The contact details a location has after an update.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contact {
    pub phone: Option<BusinessPhone>,
    pub email: Option<Email>,
    pub address: Option<Address>,
}

impl Contact {
    pub fn of(l: &Location) -> Contact {
        Contact {
            phone: l.phone.clone(),
            email: l.email.clone(),
            address: l.address.clone(),
        }
    }

    pub fn json(&self) -> Value {
        json!({"phone": self.phone, "email": self.email, "address": self.address})
    }
}

/// One field: unchanged, cleared, or parsed (a bad value is an error on `field`).
fn field<T: std::str::FromStr<Err = olive_domain::contact::ContactError>>(
    input: Option<&str>,
    before: Option<T>,
    name: &str,
    errs: &mut FieldErrors,
) -> Option<T> {
    match input.map(str::trim) {
        None => before,
        Some("") => None,
        Some(v) => match v.parse() {
            Ok(t) => Some(t),
            Err(e) => {
                errs.add(name, e.to_string());
                None
            }
        },
    }
}

impl ContactUpdate {
    /// The details after this update, or the errors naming `phone`, `email` and `address`.
    pub(crate) fn apply(&self, before: &Contact, errs: &mut FieldErrors) -> Contact {
        Contact {
            phone: field(self.phone.as_deref(), before.phone.clone(), "phone", errs),
            email: field(self.email.as_deref(), before.email.clone(), "email", errs),
            address: field(
                self.address.as_deref(),
                before.address.clone(),
                "address",
                errs,
            ),
        }
    }
}

/// Write the details on the location's row.
pub(crate) async fn write(tx: &mut Tx, id: &str, c: &Contact) -> Result<(), StoreError> {
    let text = |v: Option<String>| -> sea_query::Expr { v.into() };
    tx.execute(
        &Query::update()
            .table("locations")
            .values([
                ("phone", text(c.phone.as_ref().map(ToString::to_string))),
                ("email", text(c.email.as_ref().map(ToString::to_string))),
                ("address", text(c.address.as_ref().map(ToString::to_string))),
            ])
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

impl Store {
    /// Change only a location's contact details (managers and admins; the demo seed as the operator).
    pub async fn update_location_contact(
        &self,
        actor: &Actor,
        id: &str,
        u: ContactUpdate,
    ) -> Result<(), StoreError> {
        actor.require(Permission::Configure, id)?;
        let before = Contact::of(&self.location(id).await?);
        let mut errs = FieldErrors::default();
        let after = u.apply(&before, &mut errs);
        errs.into_result()?;
        if after == before {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        write(&mut tx, id, &after).await?;
        tx.audit(
            By::Staff(actor),
            jiff::Timestamp::now(),
            "location.settings_changed",
            Target::new("location", id, Some(id)),
            json!({"from": before.json(), "to": after.json()}),
        )
        .await?;
        tx.commit().await?;
        self.changed(crate::store::changes::Change::Settings).await;
        Ok(())
    }
}
