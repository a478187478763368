//! Several Olive instances on one PostgreSQL database: a change to settings, playbooks, limits, staff or
//! tokens made on one instance is announced with `NOTIFY olive_changes`, and every instance listening
//! (`Store::follow_other_instances`) forgets its cached copies at once instead of after the caches' few
//! seconds. On SQLite, where one instance is the rule, the caches' short lifetime covers `olive`
//! commands run beside a server.

use crate::db::Backend;
use crate::store::Store;
use std::time::Duration;

/// The PostgreSQL channel changes are announced on.
pub const CHANNEL: &str = "olive_changes";

/// What changed, as the notification's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// locations, playbooks, authority limits
    Settings,
    /// staff (roles, deactivation) and API tokens
    People,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Change::Settings => "settings",
            Change::People => "people",
        }
    }
}

impl Store {
    /// Forget this process's cached copies of what changed and tell the other instances to do the same.
    pub(crate) async fn changed(&self, what: Change) {
        self.forget(what);
        if self.db.backend() == Backend::Postgres
            && let Err(e) = self.db.notify(CHANNEL, what.as_str()).await
        {
            // The other instances' caches expire within seconds anyway.
            tracing::warn!(error = %e, "could not tell the other instances about a change");
        }
    }

    fn forget(&self, what: Change) {
        match what {
            Change::Settings => self.settings.clear(),
            Change::People => self.tokens.clear(),
        }
    }

    /// On PostgreSQL, listen for the other instances' changes until the process ends (reconnecting
    /// after a lost connection, and forgetting everything then, since notifications may have been
    /// missed). Does nothing on SQLite.
    pub fn follow_other_instances(&self) -> Option<tokio::task::JoinHandle<()>> {
        let url = self.db.postgres_url()?;
        let store = self.clone();
        Some(tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(CHANNEL).await {
                            tracing::warn!(error = %e, "listening for other instances' changes");
                        } else {
                            loop {
                                match listener.recv().await {
                                    Ok(n) => match n.payload() {
                                        "settings" => store.forget(Change::Settings),
                                        "people" => store.forget(Change::People),
                                        _ => {}
                                    },
                                    Err(e) => {
                                        tracing::warn!(error = %e, "lost the change notifications; reconnecting");
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for other instances' changes")
                    }
                }
                store.forget(Change::Settings);
                store.forget(Change::People);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }))
    }
}
