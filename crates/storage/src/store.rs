//! The `Store`: every operation Olive offers, on top of `Db`, with the playbook and location caches.

use crate::db::Db;
use crate::error::StoreError;
use crate::rows::{i, oi, os, s};
use crate::views::{CurrencyTotal, HoursView, LocationView};
use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use olive_domain::contact::{Address, BusinessPhone, Email};
use olive_domain::deadline::{BusinessCalendar, DayHours};
use olive_domain::money::Currency;
use olive_domain::playbook::Playbook;
use sea_query::{Expr, ExprTrait, Query};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

pub(crate) mod cache;
pub mod changes;

/// How long a checked API token is trusted without reading the database again. Changes made through this
/// process (deactivation, role edits) clear it at once; another process's changes show within this time.
pub const TOKEN_CACHE_MS: i64 = 5_000;

/// A checked token: the caller, when it was checked, and the token's own expiry.
type CheckedToken = (crate::actor::Actor, i64, Option<i64>);

/// API tokens checked in the last few seconds, by token hash.
#[derive(Clone, Default)]
pub(crate) struct TokenCache(Arc<RwLock<HashMap<String, CheckedToken>>>);

impl TokenCache {
    pub fn get(&self, hash: &str, now_ms: i64) -> Option<crate::actor::Actor> {
        let map = self.0.read().ok()?;
        let (actor, at, expires) = map.get(hash)?;
        (now_ms - at < TOKEN_CACHE_MS && expires.is_none_or(|e| e > now_ms)).then(|| actor.clone())
    }

    pub fn put(&self, hash: String, actor: crate::actor::Actor, now_ms: i64, expires: Option<i64>) {
        if let Ok(mut map) = self.0.write() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(hash, (actor, now_ms, expires));
        }
    }

    /// Forget everything (someone's roles or status changed).
    pub fn clear(&self) {
        if let Ok(mut map) = self.0.write() {
            map.clear();
        }
    }
}

/// Compiled wording checkers keyed by (playbook code, updated_at).
type CheckerCache = HashMap<(String, i64), Arc<olive_domain::wording::WordingChecker>>;

/// Parsed playbooks keyed by (code, updated_at).
type PlaybookCache = HashMap<(String, i64), Arc<Playbook>>;

/// Olive's operations. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
    pub(crate) writer: crate::writer::Writer,
    /// recently checked API tokens (a few seconds), so a request does not re-read its token and roles
    pub(crate) tokens: TokenCache,
    /// compiled wording checkers keyed like `playbooks`
    pub(crate) checkers: Arc<RwLock<CheckerCache>>,
    /// parsed playbooks keyed by (code, updated_at): a re-import changes the key
    playbooks: Arc<RwLock<PlaybookCache>>,
    /// reminder timing, follow-up links, webhook address policy
    cfg: Arc<crate::loop_config::LoopConfig>,
    /// locations and authority limits read in the last few seconds
    pub(crate) settings: crate::store::cache::SettingsCache,
}

/// A location with its calendar ready for deadline arithmetic.
#[derive(Debug, Clone)]
pub struct Location {
    pub id: String,
    pub name: String,
    pub playbook_code: String,
    pub playbook_updated_at: i64,
    pub tz_name: String,
    pub tz: TimeZone,
    pub currency: Currency,
    pub hours: [Option<DayHours>; 7],
    pub closed: BTreeSet<Date>,
    /// opening-hours minutes a gesture request waits before it is escalated
    pub approval_escalation_minutes: i64,
    /// the practice's own phone number, shown to its customers (email footers)
    pub phone: Option<BusinessPhone>,
    /// where customers' replies go (`Reply-To` of the emails sent in the location's name)
    pub email: Option<Email>,
    /// the postal address, shown to its customers (email footers)
    pub address: Option<Address>,
    /// what the location means to spend on gestures in a month, in cents of `currency` (`None`: no budget)
    pub monthly_budget_cents: Option<i64>,
}

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Location {
    pub fn calendar(&self) -> BusinessCalendar {
        BusinessCalendar {
            tz: self.tz.clone(),
            hours: self.hours,
            closed: self.closed.clone(),
        }
    }

    /// The location's local date at an instant (for per-day authority sums).
    pub fn local_date(&self, at: Timestamp) -> Date {
        at.to_zoned(self.tz.clone()).date()
    }

    pub fn view(&self) -> LocationView {
        LocationView {
            id: self.id.clone(),
            name: self.name.clone(),
            playbook: self.playbook_code.clone(),
            timezone: self.tz_name.clone(),
            currency: self.currency.to_string(),
            hours: self
                .hours
                .iter()
                .zip(WEEKDAYS)
                .filter_map(|(h, d)| {
                    h.map(|h| HoursView {
                        day: d.into(),
                        open: h.open.strftime("%H:%M").to_string(),
                        close: h.close.strftime("%H:%M").to_string(),
                    })
                })
                .collect(),
            closed_dates: self.closed.iter().map(ToString::to_string).collect(),
            approval_escalation_minutes: self.approval_escalation_minutes,
            phone: self.phone.as_ref().map(ToString::to_string),
            email: self.email.as_ref().map(ToString::to_string),
            address: self.address.as_ref().map(ToString::to_string),
            monthly_budget: self.monthly_budget(),
        }
    }

    /// The monthly gesture budget in the location's currency, if it has one.
    pub fn monthly_budget(&self) -> Option<CurrencyTotal> {
        self.monthly_budget_cents.map(|cents| CurrencyTotal {
            cents,
            currency: self.currency.to_string(),
        })
    }

    /// The footer of an email sent in the location's name: its name, phone and address (those set).
    pub fn footer(&self) -> String {
        olive_domain::contact::footer(&self.name, self.phone.as_ref(), self.address.as_ref())
    }
}

/// Index 0 = Monday, as in `BusinessCalendar::hours`.
pub fn weekday_index(day: &str) -> Option<usize> {
    WEEKDAYS.iter().position(|d| *d == day)
}

pub fn weekday_of(index: usize) -> Weekday {
    Weekday::from_monday_one_offset(index as i8 + 1).unwrap_or(Weekday::Monday)
}

impl Store {
    pub fn new(db: Db) -> Store {
        Store {
            writer: crate::writer::Writer::new(&db),
            tokens: TokenCache::default(),
            checkers: Arc::default(),
            db,
            playbooks: Arc::default(),
            cfg: Arc::default(),
            settings: crate::store::cache::SettingsCache::default(),
        }
    }

    /// Use these loop settings (reminders, follow-up links, webhooks).
    pub fn with_loop_config(mut self, cfg: crate::loop_config::LoopConfig) -> Store {
        self.cfg = Arc::new(cfg);
        self
    }

    pub fn loop_config(&self) -> &crate::loop_config::LoopConfig {
        &self.cfg
    }

    /// Connect, migrate and make sure the built-in playbooks are present.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        let store = Store::new(db);
        store.ensure_built_in_playbooks(Timestamp::now()).await?;
        // Cases logged before prevention actions existed join theirs (once: a no-op afterwards).
        store.backfill_prevention(Timestamp::now()).await?;
        Ok(store)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Load a location (no access check: callers check membership). Read at most every few seconds
    /// (`store::cache::SETTINGS_CACHE_MS`); changes made through this store show at once.
    pub async fn location(&self, id: &str) -> Result<Location, StoreError> {
        let now_ms = Timestamp::now().as_millisecond();
        if let Some(l) = self.settings.locations.get(&id.to_string(), now_ms) {
            return Ok((*l).clone());
        }
        let generation = self.settings.generation();
        let q = location_select()
            .and_where(Expr::col(("l", "id")).eq(id))
            .to_owned();
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("location"))?;
        let location = location_from_row(&row)?;
        self.settings
            .locations
            .put_if(id.to_string(), Arc::new(location.clone()), now_ms, || {
                self.settings.fresh(generation)
            });
        Ok(location)
    }

    /// Every location, by name, in one read (for the organisation-wide views: an admin's reports, the
    /// monthly reports due).
    pub async fn all_locations(&self) -> Result<Vec<Location>, StoreError> {
        let q = location_select()
            .order_by(("l", "name"), sea_query::Order::Asc)
            .to_owned();
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(location_from_row)
            .collect()
    }

    /// The parsed playbook at a given version (cached).
    /// Keep a playbook just stored (already parsed and validated) for its version.
    pub(crate) fn remember_playbook(&self, code: &str, updated_at: i64, p: Arc<Playbook>) {
        if let Ok(mut m) = self.playbooks.write() {
            m.insert((code.to_string(), updated_at), p);
        }
    }

    pub async fn playbook_at(
        &self,
        code: &str,
        updated_at: i64,
    ) -> Result<Arc<Playbook>, StoreError> {
        let key = (code.to_string(), updated_at);
        if let Some(p) = self
            .playbooks
            .read()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(p);
        }
        let q = Query::select()
            .columns(["source", "updated_at"])
            .from("playbooks")
            .and_where(Expr::col("code").eq(code))
            .to_owned();
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("playbook"))?;
        let parsed = Playbook::from_toml(&s(&row, "source")?)
            .map_err(|e| StoreError::Corrupt(format!("stored playbook '{code}': {e}")))?;
        let p = Arc::new(parsed);
        if let Ok(mut m) = self.playbooks.write() {
            m.insert((code.to_string(), i(&row, "updated_at")?), p.clone());
        }
        Ok(p)
    }
}

/// Locations joined with their playbook's version (what `location_from_row` reads).
pub(crate) fn location_select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            ("l", "id"),
            ("l", "name"),
            ("l", "playbook_code"),
            ("l", "timezone"),
            ("l", "currency"),
            ("l", "hours"),
            ("l", "closed_dates"),
            ("l", "approval_escalation_minutes"),
            ("l", "phone"),
            ("l", "email"),
            ("l", "address"),
            ("l", "monthly_budget_cents"),
        ])
        .expr_as(Expr::col(("p", "updated_at")), "pb_updated_at")
        .from_as("locations", "l")
        .inner_join(
            sea_query::TableRef::Table("playbooks".into(), Some("p".into())),
            Expr::col(("p", "code")).equals(("l", "playbook_code")),
        )
        .to_owned()
}

pub(crate) fn location_from_row(row: &sqlx::any::AnyRow) -> Result<Location, StoreError> {
    let tz_name = s(row, "timezone")?;
    let tz = TimeZone::get(&tz_name)
        .map_err(|e| StoreError::Corrupt(format!("time zone {tz_name}: {e}")))?;
    let hours: [Option<DayHours>; 7] = serde_json::from_str(&s(row, "hours")?)
        .map_err(|e| StoreError::Corrupt(format!("hours: {e}")))?;
    let closed: BTreeSet<Date> = serde_json::from_str(&s(row, "closed_dates")?)
        .map_err(|e| StoreError::Corrupt(format!("closed dates: {e}")))?;
    Ok(Location {
        id: s(row, "id")?,
        name: s(row, "name")?,
        playbook_code: s(row, "playbook_code")?,
        playbook_updated_at: i(row, "pb_updated_at")?,
        tz_name,
        tz,
        currency: s(row, "currency")?
            .parse()
            .map_err(|_| StoreError::Corrupt("currency".into()))?,
        hours,
        closed,
        approval_escalation_minutes: i(row, "approval_escalation_minutes")?,
        // Written only after the same checks; a value that no longer reads is left out, not an error.
        phone: os(row, "phone")?.and_then(|v| v.parse().ok()),
        email: os(row, "email")?.and_then(|v| v.parse().ok()),
        address: os(row, "address")?.and_then(|v| v.parse().ok()),
        monthly_budget_cents: oi(row, "monthly_budget_cents")?,
    })
}
