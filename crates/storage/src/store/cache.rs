//! Small read caches for the hot paths: locations (with their playbook version) and authority limits.
//!
//! An entry is trusted for `SETTINGS_CACHE_MS`. Changes made through this process (a location's settings,
//! a playbook import, authority limits) clear the cache at once; another process's changes (several
//! servers on PostgreSQL, `olive` commands run beside a server) show within that time.

use olive_domain::authority::AuthorityLimits;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// How long a cached location or set of limits is used without reading the database again.
pub const SETTINGS_CACHE_MS: i64 = 5_000;

/// Values by key, each with the instant (ms) it was read.
pub(crate) struct TtlCache<K, V>(Arc<RwLock<HashMap<K, (V, i64)>>>);

impl<K, V> Clone for TtlCache<K, V> {
    fn clone(&self) -> Self {
        TtlCache(self.0.clone())
    }
}

impl<K, V> Default for TtlCache<K, V> {
    fn default() -> Self {
        TtlCache(Arc::default())
    }
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    /// The value read for `key` less than `SETTINGS_CACHE_MS` before `now_ms`.
    pub fn get(&self, key: &K, now_ms: i64) -> Option<V> {
        let map = self.0.read().ok()?;
        let (v, at) = map.get(key)?;
        (now_ms.saturating_sub(*at) < SETTINGS_CACHE_MS && now_ms >= *at).then(|| v.clone())
    }

    /// Cache `value` unless `keep()`, asked while holding the lock, says it is already out of date.
    pub fn put_if(&self, key: K, value: V, now_ms: i64, keep: impl FnOnce() -> bool) {
        if let Ok(mut map) = self.0.write()
            && keep()
        {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(key, (value, now_ms));
        }
    }

    /// Forget everything.
    pub fn clear(&self) {
        if let Ok(mut map) = self.0.write() {
            map.clear();
        }
    }
}

/// The settings caches a `Store` shares between its clones.
#[derive(Clone, Default)]
pub(crate) struct SettingsCache {
    pub locations: TtlCache<String, Arc<crate::store::Location>>,
    pub limits: TtlCache<String, Arc<AuthorityLimits>>,
    /// bumped by every `clear`, so a read that raced with a change is not cached
    generation: Arc<AtomicU64>,
}

impl SettingsCache {
    /// Take this before reading the database; pass it to `fresh` before caching what was read.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Nothing was cleared since `generation` was taken. Asked under the map's lock (`put_if`): `clear`
    /// bumps the generation before it empties the maps, so a stale read is either refused or emptied.
    pub fn fresh(&self, generation: u64) -> bool {
        self.generation() == generation
    }

    /// A location, a playbook or a set of limits changed: read them again.
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.locations.clear();
        self.limits.clear();
    }
}

impl crate::store::Store {
    /// A location's authority limits, read at most every `SETTINGS_CACHE_MS` (for display only).
    pub(crate) async fn limits_cached(
        &self,
        location_id: &str,
    ) -> Result<Arc<AuthorityLimits>, crate::error::StoreError> {
        let now_ms = jiff::Timestamp::now().as_millisecond();
        let key = location_id.to_string();
        if let Some(l) = self.settings.limits.get(&key, now_ms) {
            return Ok(l);
        }
        let generation = self.settings.generation();
        let limits = Arc::new(self.limits_at(location_id).await?);
        self.settings
            .limits
            .put_if(key, limits.clone(), now_ms, || {
                self.settings.fresh(generation)
            });
        Ok(limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_clear() {
        let c: TtlCache<String, i64> = TtlCache::default();
        c.put_if("a".into(), 1, 1_000, || true);
        c.put_if("b".into(), 2, 1_000, || false);
        assert_eq!(c.get(&"b".into(), 1_000), None);
        assert_eq!(c.get(&"a".into(), 1_000), Some(1));
        assert_eq!(c.get(&"a".into(), 1_000 + SETTINGS_CACHE_MS - 1), Some(1));
        assert_eq!(c.get(&"a".into(), 1_000 + SETTINGS_CACHE_MS), None);
        // a clock that went back does not keep an entry alive
        assert_eq!(c.get(&"a".into(), 999), None);
        c.clear();
        assert_eq!(c.get(&"a".into(), 1_000), None);
    }
}
