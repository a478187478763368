//! Shared state of the HTTP layer: the store and the clock (injectable for tests).

use jiff::Timestamp;
use olive_storage::Store;
use std::sync::Arc;

pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        AppState {
            store,
            clock: Arc::new(Timestamp::now),
        }
    }
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }
}
