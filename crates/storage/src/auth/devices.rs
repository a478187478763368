//! Shared front-desk devices: registering a browser as one, reading it, and switching user on it with a PIN.

use super::*;

impl Store {
    /// Mark a browser as a shared front-desk device of a location (managers and admins).
    pub async fn register_device(
        &self,
        actor: &Actor,
        location_id: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        actor.require(Permission::Configure, location_id)?;
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(StoreError::field(
                "name",
                "give the device a name, like 'Front desk tablet'",
            ));
        }
        let token = random_token("dev_");
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::insert()
                .into_table("devices")
                .columns([
                    "id",
                    "location_id",
                    "name",
                    "created_by",
                    "created_at",
                    "failed_pins",
                ])
                .values_panic([
                    hash_token(&token).into(),
                    location_id.into(),
                    name.into(),
                    actor.staff_id.clone().into(),
                    ms(now).into(),
                    0i64.into(),
                ])
                .to_owned(),
        )
        .await?;
        tx.audit(
            By::Staff(actor),
            now,
            "device.registered",
            Target::new("device", &hash_token(&token), Some(location_id)),
            serde_json::json!({"name": name}),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn device(&self, token: &str) -> Result<Option<Device>, StoreError> {
        if token.len() > 200 {
            return Ok(None);
        }
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(["id", "location_id", "name", "locked_until"])
                    .from("devices")
                    .and_where(Expr::col("id").eq(hash_token(token)))
                    .to_owned(),
            )
            .await?;
        row.map(|r| {
            Ok(Device {
                id: s(&r, "id")?,
                location_id: s(&r, "location_id")?,
                name: s(&r, "name")?,
                locked_until: oi(&r, "locked_until")?,
            })
        })
        .transpose()
    }

    /// People at the device's location who can switch in with a PIN: (id, name).
    pub async fn pin_people(&self, device: &Device) -> Result<Vec<(String, String)>, StoreError> {
        let q = Query::select()
            .columns([("s", "id"), ("s", "name")])
            .from_as("staff", "s")
            .inner_join(
                sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                Expr::col(("sl", "staff_id")).equals(("s", "id")),
            )
            .and_where(Expr::col(("sl", "location_id")).eq(device.location_id.clone()))
            .and_where(Expr::col(("s", "active")).eq(1))
            .and_where(Expr::col(("s", "pin_hash")).is_not_null())
            .order_by(("s", "name"), Order::Asc)
            .to_owned();
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| Ok((s(r, "id")?, s(r, "name")?)))
            .collect()
    }

    /// Switch user on a shared device with a PIN. Wrong PINs count per device; the device locks after a few.
    pub async fn pin_switch(
        &self,
        device: &Device,
        staff_id: &str,
        pin: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        if device.locked_until.is_some_and(|t| t > ms(now)) {
            return Err(StoreError::TooMany(
                "too many wrong PINs on this device; a manager can sign in, or wait 15 minutes"
                    .into(),
            ));
        }
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .column(("s", "pin_hash"))
                    .from_as("staff", "s")
                    .inner_join(
                        sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                        Expr::col(("sl", "staff_id")).equals(("s", "id")),
                    )
                    .and_where(Expr::col(("s", "id")).eq(staff_id))
                    .and_where(Expr::col(("s", "active")).eq(1))
                    .and_where(Expr::col(("sl", "location_id")).eq(device.location_id.clone()))
                    .to_owned(),
            )
            .await?;
        let hash = row
            .as_ref()
            .map(|r| os(r, "pin_hash"))
            .transpose()?
            .flatten();
        if verify_secret(pin.to_string(), hash).await {
            self.db
                .execute(
                    &Query::update()
                        .table("devices")
                        .value("failed_pins", 0)
                        .value("locked_until", None::<i64>)
                        .and_where(Expr::col("id").eq(device.id.clone()))
                        .to_owned(),
                )
                .await?;
            return self.create_session(staff_id, Some(&device.id), now).await;
        }
        let mut tx = self.db.begin().await?;
        let r = tx
            .fetch_optional(
                &Query::select()
                    .column("failed_pins")
                    .from("devices")
                    .and_where(Expr::col("id").eq(device.id.clone()))
                    .lock(sea_query::LockType::Update)
                    .to_owned(),
            )
            .await?;
        let failed = r.map(|r| i(&r, "failed_pins")).transpose()?.unwrap_or(0) + 1;
        let mut u = Query::update()
            .table("devices")
            .value("failed_pins", failed)
            .to_owned();
        if failed >= PIN_ATTEMPTS {
            u.value("locked_until", ms(now + PIN_LOCK))
                .value("failed_pins", 0);
        }
        tx.execute(
            &u.and_where(Expr::col("id").eq(device.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.commit().await?;
        if failed >= PIN_ATTEMPTS {
            return Err(StoreError::TooMany(
                "too many wrong PINs on this device; a manager can sign in, or wait 15 minutes"
                    .into(),
            ));
        }
        Err(StoreError::field(
            "pin",
            format!(
                "that PIN is not right ({} tries left)",
                PIN_ATTEMPTS - failed
            ),
        ))
    }
}
