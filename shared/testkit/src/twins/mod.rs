//! In-memory twins of the ports that reach outside Switchboard: they do
//! nothing but remember, so a test can look at what would have left.
//! Clones share what they remember.

mod identities;
mod mailer;
mod objects;
mod pusher;
mod queues;
mod webhooks;

pub use identities::MemoryIdentities;
pub use mailer::{MemoryMailer, SentMail};
pub use objects::{MemoryObjects, Object, article_file_key};
pub use pusher::{MemoryPusher, Push};
pub use queues::MemoryQueues;
pub use webhooks::{Reply, ScriptedWebhooks};

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use switchboard_domain::kernel::error::StoreResult;

use switchboard_domain::StoreError;

/// What a twin remembers, behind one lock, with failures to hand out.
struct Shared<T> {
    inner: Arc<Mutex<(T, VecDeque<StoreError>)>>,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Self {
        Self {
            inner: Arc::new(Mutex::new((T::default(), VecDeque::new()))),
        }
    }
}

impl<T> Shared<T> {
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner).0)
    }

    fn fail_next(&self, e: StoreError) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .push_back(e);
    }

    /// A call: fails if a failure was queued, else runs `f`.
    fn call<R>(&self, f: impl FnOnce(&mut T) -> R) -> StoreResult<R> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = guard.1.pop_front() {
            return Err(e);
        }
        Ok(f(&mut guard.0))
    }
}
