//! Playbooks per location with a group default: a location's own copy (made on its first edit), the
//! group's playbook (an admin's, optionally passed on to every location's copy defect by defect), and
//! the built-in release a playbook was based on, so a newer one can be offered and adopted.

use super::*;
use crate::rows::{i, os};
use olive_domain::playbook::Defect;
use olive_domain::playbook::upgrade::{self, DefectDiff};
use sha2::{Digest, Sha256};

/// A stored playbook row: which location owns it (none: the group's), what it copies, and the
/// built-in release it was based on.
#[derive(Debug, Clone)]
pub struct PlaybookRow {
    pub code: String,
    pub location_id: Option<String>,
    pub group_code: Option<String>,
    pub base_version: Option<String>,
    pub base_source: Option<String>,
    pub updated_at: i64,
}

impl PlaybookRow {
    /// The group playbook this row is or copies.
    pub fn group(&self) -> &str {
        self.group_code.as_deref().unwrap_or(&self.code)
    }
}

/// Where an edit goes: the location's own copy, the group's playbook, or the group's and every
/// location copy that had not changed the defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditScope {
    Location,
    Group,
    All,
}

/// A built-in playbook's version: the first 12 hex digits of its text's SHA-256.
pub fn built_in_version(source: &str) -> String {
    hex::encode(Sha256::digest(source.as_bytes()))[..12].to_string()
}

/// A newer built-in release than the one a playbook was based on, with its differences.
pub struct BuiltInOffer {
    pub name: String,
    pub version: String,
    pub diffs: Vec<DefectDiff>,
}

/// A built-in release's text parsed once (by its version): parsing a whole playbook is not cheap.
fn parsed(source: &str) -> Option<std::sync::Arc<Playbook>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Playbook>>>> = OnceLock::new();
    let key = built_in_version(source);
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Some(p);
    }
    let p = Arc::new(Playbook::from_toml(source).ok()?);
    if let Ok(mut m) = cache.lock() {
        if m.len() > 16 {
            m.clear();
        }
        m.insert(key, p.clone());
    }
    Some(p)
}

/// A built-in playbook, parsed once.
pub fn built_in_parsed(code: &str) -> Option<std::sync::Arc<Playbook>> {
    Playbook::built_in_source(code).and_then(parsed)
}

fn row_select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            "code",
            "location_id",
            "group_code",
            "base_version",
            "base_source",
            "updated_at",
        ])
        .from("playbooks")
        .to_owned()
}

fn row_from(r: &sqlx::any::AnyRow) -> Result<PlaybookRow, StoreError> {
    Ok(PlaybookRow {
        code: s(r, "code")?,
        location_id: os(r, "location_id")?,
        group_code: os(r, "group_code")?,
        base_version: os(r, "base_version")?,
        base_source: os(r, "base_source")?,
        updated_at: i(r, "updated_at")?,
    })
}

impl Store {
    pub async fn playbook_row(&self, code: &str) -> Result<PlaybookRow, StoreError> {
        let q = row_select()
            .and_where(Expr::col("code").eq(code))
            .to_owned();
        let r = self.db.fetch_optional(&q).await?;
        row_from(&r.ok_or(StoreError::NotFound("playbook"))?)
    }

    /// Every location's own copy of a group playbook.
    pub async fn playbook_copies(&self, group: &str) -> Result<Vec<PlaybookRow>, StoreError> {
        let q = row_select()
            .and_where(Expr::col("group_code").eq(group))
            .and_where(Expr::col("location_id").is_not_null())
            .to_owned();
        self.db.fetch_all(&q).await?.iter().map(row_from).collect()
    }

    /// Who may change a stored playbook row: admins any; a location's copy its managers.
    pub async fn require_row_editor(
        &self,
        actor: &Actor,
        row: &PlaybookRow,
    ) -> Result<(), StoreError> {
        match &row.location_id {
            _ if actor.is_admin => Ok(()),
            Some(l) => actor.require(Permission::EditPlaybook, l).map(|_| ()),
            None => Err(StoreError::Forbidden(
                "Only an administrator changes the group's playbook; you change your location's own copy."
                    .into(),
            )),
        }
    }

    /// The row an edit at `location_id` goes to: the location's own copy (made now from the group's
    /// playbook when it has none: copy-on-write) or, for an admin, the group's playbook.
    pub async fn playbook_for_edit(
        &self,
        actor: &Actor,
        location_id: &str,
        scope: EditScope,
        now: Timestamp,
    ) -> Result<PlaybookRow, StoreError> {
        let loc = self.location(location_id).await?;
        let row = self.playbook_row(&loc.playbook_code).await?;
        if scope != EditScope::Location {
            actor.require_org(Permission::Administer)?;
            return self.playbook_row(row.group()).await;
        }
        actor.require(Permission::EditPlaybook, location_id)?;
        if row.location_id.as_deref() == Some(location_id) {
            return Ok(row);
        }
        let source = self.playbook_source(&row.code).await?;
        self.make_location_copy(actor, location_id, &source, row.base_source.as_deref(), now)
            .await
    }

    /// Give a location its own copy of its group playbook with `source` (based on the built-in text
    /// `base`, when known), and point the location at it. Audited as `playbook.copied`.
    pub async fn make_location_copy(
        &self,
        actor: &Actor,
        location_id: &str,
        source: &str,
        base: Option<&str>,
        now: Timestamp,
    ) -> Result<PlaybookRow, StoreError> {
        let loc = self.location(location_id).await?;
        let current = self.playbook_row(&loc.playbook_code).await?;
        let group = current.group().to_string();
        let code = format!("{group}@{location_id}");
        let p = Playbook::from_toml(source)
            .map_err(|e| StoreError::field("playbook", e.to_string()))?;
        let insert = Query::insert()
            .into_table("playbooks")
            .columns([
                "code",
                "name",
                "source",
                "updated_at",
                "location_id",
                "group_code",
                "base_version",
                "base_source",
            ])
            .values_panic([
                code.clone().into(),
                p.playbook.name.clone().into(),
                source.into(),
                ms(now).into(),
                location_id.into(),
                group.clone().into(),
                base.map(built_in_version).into(),
                base.map(str::to_string).into(),
            ])
            .to_owned();
        let point = Query::update()
            .table("locations")
            .value("playbook_code", code.clone())
            .and_where(Expr::col("id").eq(location_id))
            .to_owned();
        let mut tx = self.db.begin().await?;
        tx.execute(&insert).await?;
        tx.execute(&point).await?;
        let detail = json!({"group": group, "location": loc.name});
        tx.audit_playbook(By::Staff(actor), now, "playbook.copied", &code, detail)
            .await?;
        tx.commit().await?;
        self.changed(crate::store::changes::Change::Settings).await;
        self.playbook_row(&code).await
    }

    pub(crate) async fn playbook_source(&self, code: &str) -> Result<String, StoreError> {
        let q = Query::select()
            .column("source")
            .from("playbooks")
            .and_where(Expr::col("code").eq(code))
            .to_owned();
        let r = self.db.fetch_optional(&q).await?;
        s(&r.ok_or(StoreError::NotFound("playbook"))?, "source")
    }

    /// Store an edited playbook under its row (validated; nothing changes on error), audited.
    pub async fn save_playbook_row(
        &self,
        actor: &Actor,
        row: &PlaybookRow,
        p: &Playbook,
        now: Timestamp,
        action: &str,
        mut detail: serde_json::Value,
    ) -> Result<Playbook, StoreError> {
        self.require_row_editor(actor, row).await?;
        let source = p.to_toml();
        let checked = Playbook::from_toml(&source).map_err(|e| StoreError::Validation {
            message: e.to_string(),
            fields: [("playbook".to_string(), e.to_string())].into(),
        })?;
        let at = Ord::max(ms(now), row.updated_at + 1);
        let q = Query::update()
            .table("playbooks")
            .values([
                ("name", checked.playbook.name.clone().into()),
                ("source", source.clone().into()),
                ("updated_at", at.into()),
            ])
            .and_where(Expr::col("code").eq(row.code.as_str()))
            .to_owned();
        detail["defects"] = checked.defects.len().into();
        let mut tx = self.db.begin().await?;
        tx.execute(&q).await?;
        tx.audit_playbook(By::Staff(actor), now, action, &row.code, detail)
            .await?;
        tx.commit().await?;
        self.remember_playbook(&row.code, at, std::sync::Arc::new(checked.clone()));
        self.changed(crate::store::changes::Change::Settings).await;
        Ok(checked)
    }

    /// Replace (or add) one defect of a row; with [`EditScope::All`] on the group's playbook, also in
    /// every location copy whose version of the defect was still the group's. Returns how many copies
    /// took the change.
    pub async fn save_defect(
        &self,
        actor: &Actor,
        row: &PlaybookRow,
        defect: Defect,
        scope: EditScope,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut p = (*self.playbook(&row.code).await?).clone();
        let before = p.defect(&defect.code).cloned();
        match p.defects.iter_mut().find(|d| d.code == defect.code) {
            Some(d) => *d = defect.clone(),
            None => p.defects.push(defect.clone()),
        }
        let detail = json!({"defect": defect.code, "title": defect.title});
        self.save_playbook_row(
            actor,
            row,
            &p,
            now,
            "playbook.defect_changed",
            detail.clone(),
        )
        .await?;
        if scope != EditScope::All || row.location_id.is_some() {
            return Ok(0);
        }
        let pass =
            |c: &mut Playbook| match c.defects.iter_mut().find(|d| Some(&**d) == before.as_ref()) {
                Some(d) => {
                    *d = defect.clone();
                    true
                }
                None => false,
            };
        self.pass_to_copies(actor, row, now, "playbook.defect_changed", &detail, pass)
            .await
    }

    /// Pass a change of the group's playbook `group` on to every location copy that `change` takes
    /// it into (changing the copy, and saying whether it did); each saved and audited as `action`.
    /// Returns how many copies took it.
    pub(crate) async fn pass_to_copies(
        &self,
        actor: &Actor,
        group: &PlaybookRow,
        now: Timestamp,
        action: &str,
        detail: &serde_json::Value,
        mut change: impl FnMut(&mut Playbook) -> bool,
    ) -> Result<usize, StoreError> {
        let mut passed = 0;
        for copy in self.playbook_copies(&group.code).await? {
            let mut c = (*self.playbook(&copy.code).await?).clone();
            if !change(&mut c) {
                continue;
            }
            self.save_playbook_row(actor, &copy, &c, now, action, detail.clone())
                .await?;
            passed += 1;
        }
        Ok(passed)
    }

    /// Retire a defect of a row (kept, to restore) or restore a retired one.
    pub async fn set_defect_retired(
        &self,
        actor: &Actor,
        row: &PlaybookRow,
        code: &str,
        retired: bool,
        now: Timestamp,
    ) -> Result<Playbook, StoreError> {
        let mut p = (*self.playbook(&row.code).await?).clone();
        if !retired && p.defect(code).is_some() {
            return Err(StoreError::field(
                "defect",
                "a defect in use already has that code: retire it first",
            ));
        }
        let list = if retired {
            &mut p.defects
        } else {
            &mut p.retired_defects
        };
        let at = list
            .iter()
            .position(|d| d.code == code)
            .ok_or(StoreError::NotFound("defect"))?;
        let d = list.remove(at);
        let title = d.title.clone();
        if retired {
            p.retired_defects.push(d);
        } else {
            p.defects.push(d);
        }
        let action = if retired {
            "playbook.defect_retired"
        } else {
            "playbook.defect_restored"
        };
        let detail = json!({"defect": code, "title": title});
        self.save_playbook_row(actor, row, &p, now, action, detail)
            .await
    }

    /// The built-in release a row follows, when it has one: its code.
    fn built_in_of(row: &PlaybookRow) -> Option<&'static str> {
        Playbook::built_in_codes().find(|c| *c == row.group())
    }

    /// A newer built-in release than the one this row was based on, with its differences; `None`
    /// when the row follows no built-in playbook, or already has (or chose) everything it changed.
    pub async fn built_in_offer(
        &self,
        row: &PlaybookRow,
    ) -> Result<Option<BuiltInOffer>, StoreError> {
        let Some(code) = Self::built_in_of(row) else {
            return Ok(None);
        };
        let Some(src) = Playbook::built_in_source(code) else {
            return Ok(None);
        };
        let version = built_in_version(src);
        if row.base_version.as_deref() == Some(version.as_str()) {
            return Ok(None);
        }
        let new = parsed(src).ok_or_else(|| StoreError::Corrupt("built-in playbook".into()))?;
        let base = row.base_source.as_deref().and_then(parsed);
        let mine = self.playbook(&row.code).await?;
        let diffs = upgrade::differences(&mine, base.as_deref(), &new);
        Ok((!diffs.is_empty()).then(|| BuiltInOffer {
            name: new.playbook.name.clone(),
            version,
            diffs,
        }))
    }

    /// Adopt the newer built-in release's version of one defect (or of every defect it changed, or
    /// dismiss the rest with `keep_mine`). When nothing is left to offer, the row is based on the new release.
    pub async fn adopt_built_in(
        &self,
        actor: &Actor,
        row: &PlaybookRow,
        defect: Option<&str>,
        keep_mine: bool,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        self.require_row_editor(actor, row).await?;
        let Some(offer) = self.built_in_offer(row).await? else {
            return Ok(0);
        };
        let code = Self::built_in_of(row).unwrap_or_default();
        let src = Playbook::built_in_source(code).unwrap_or_default();
        let new = parsed(src).ok_or_else(|| StoreError::Corrupt("built-in playbook".into()))?;
        let mut p = (*self.playbook(&row.code).await?).clone();
        let mut taken = Vec::new();
        for d in &offer.diffs {
            if !keep_mine
                && defect.is_none_or(|c| c == d.code)
                && upgrade::adopt(&mut p, &new, &d.code)
            {
                taken.push(d.code.clone());
            }
        }
        if defect.is_some() && taken.is_empty() {
            return Err(StoreError::NotFound("defect"));
        }
        let detail = json!({"built_in_version": offer.version, "defects": taken});
        if !taken.is_empty() {
            self.save_playbook_row(actor, row, &p, now, "playbook.built_in_adopted", detail)
                .await?;
        }
        let fresh = self.playbook_row(&row.code).await?;
        if keep_mine || self.built_in_offer(&fresh).await?.is_none() {
            let q = Query::update()
                .table("playbooks")
                .values([
                    ("base_version", offer.version.clone().into()),
                    ("base_source", src.into()),
                ])
                .and_where(Expr::col("code").eq(row.code.as_str()))
                .to_owned();
            self.db.execute(&q).await?;
        }
        Ok(taken.len())
    }

    /// Record the built-in release a group playbook row was installed from (start-up).
    pub(crate) async fn set_built_in_base(&self, code: &str, src: &str) -> Result<(), StoreError> {
        let q = Query::update()
            .table("playbooks")
            .values([
                ("base_version", built_in_version(src).into()),
                ("base_source", src.into()),
            ])
            .and_where(Expr::col("code").eq(code))
            .to_owned();
        self.db.execute(&q).await?;
        Ok(())
    }

    /// The same, only for a row that does not know its base yet (installed before versions were kept).
    pub(crate) async fn set_built_in_base_if_unknown(
        &self,
        code: &str,
        src: &str,
    ) -> Result<(), StoreError> {
        if self.playbook_row(code).await?.base_version.is_none() {
            self.set_built_in_base(code, src).await?;
        }
        Ok(())
    }
}
