//! Bounded slots for expensive work (password hashes, image decodes): at most N at once in
//! this process, and a request that cannot get a slot within a wait is refused rather than
//! queued without end (OWASP Denial of Service Cheat Sheet: bound what one request can claim).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// No slot freed up within the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("every {0} slot stayed taken")]
pub struct Busy(pub &'static str);

/// `size` slots for one kind of work, each taken for as long as its permit lives.
#[derive(Debug, Clone)]
pub struct WorkSlots {
    kind: &'static str,
    slots: Arc<Semaphore>,
    size: usize,
    wait: Duration,
}

impl WorkSlots {
    /// `size` (at least 1) slots for work of `kind` (named in logs); a taker waits up to `wait`.
    pub fn new(kind: &'static str, size: usize, wait: Duration) -> Self {
        let size = size.max(1);
        Self {
            kind,
            slots: Arc::new(Semaphore::new(size)),
            size,
            wait,
        }
    }

    /// How many slots there are.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Takes a slot, waiting up to the configured wait; the slot is free again when the permit
    /// is dropped (it may be moved into a background task that goes on with the work).
    ///
    /// # Errors
    /// [`Busy`] when every slot stayed taken for the whole wait.
    pub async fn take(&self) -> Result<OwnedSemaphorePermit, Busy> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; treat it as busy rather than panic.
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(
                    kind = self.kind,
                    slots = self.size,
                    "all slots busy: request refused"
                );
                Err(Busy(self.kind))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_taker_is_refused_when_every_slot_stays_taken() {
        let slots = WorkSlots::new("test", 1, Duration::from_millis(1));
        let held = slots.take().await.unwrap();
        assert_eq!(slots.take().await.unwrap_err(), Busy("test"));
        drop(held);
        assert!(slots.take().await.is_ok());
    }
}
