//! Stopping gracefully: the first SIGTERM or Ctrl-C stops accepting and lets work in flight finish;
//! a second one stops at once.

use std::future::Future;
use tokio::sync::watch;

/// A stop request shared by the server and the worker: how many stop signals have arrived.
#[derive(Clone)]
pub struct Stop(watch::Sender<u32>);

impl Default for Stop {
    fn default() -> Self {
        Stop(watch::channel(0).0)
    }
}

impl Stop {
    /// A stop request raised by SIGTERM and Ctrl-C (each signal counts once).
    pub fn on_signals() -> Stop {
        let stop = Stop::default();
        let raise = stop.clone();
        tokio::spawn(async move {
            loop {
                crate::shutdown_signal().await;
                raise.raise();
                let n = *raise.0.borrow();
                if n == 1 {
                    tracing::info!(
                        "stopping: finishing requests in flight (a second signal stops at once)"
                    );
                }
            }
        });
        stop
    }

    /// Ask to stop (once more).
    pub fn raise(&self) {
        self.0.send_modify(|n| *n += 1);
    }

    fn reached(&self, count: u32) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.0.subscribe();
        async move {
            let _ = rx.wait_for(|n| *n >= count).await;
        }
    }

    /// Completes at the first stop request.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        self.reached(1)
    }

    /// Completes at the second stop request: stop at once.
    pub fn forced(&self) -> impl Future<Output = ()> + Send + 'static {
        self.reached(2)
    }
}
