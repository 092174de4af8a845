//! What every request handler shares.

use std::sync::Arc;

use crate::admission::Admission;
use crate::config::Config;
use crate::drain::Drain;
use crate::kit::KitSpawner;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub spawner: Arc<dyn KitSpawner>,
    pub admission: Arc<Admission>,
    pub metrics: Arc<Metrics>,
    /// Whether this server takes new documents (`oxoolctl drain`, `/cool/health`).
    pub drain: Arc<Drain>,
    /// This process's id in `/hosting/capabilities` (Collabora's `serverId`): random per start.
    pub server_id: Arc<str>,
    /// The built-in local-folder WOPI store, when `[local_store] root` is set.
    pub local_store: Option<Arc<crate::local_store::LocalStore>>,
    /// The document brokers (co-editing over `/cool/ws`), when wsd edits documents.
    pub editing: Option<Arc<crate::editing::Registry>>,
}

impl AppState {
    pub fn new(config: Config, spawner: Arc<dyn KitSpawner>) -> AppState {
        let admission = Admission::new(config.convert.max_concurrent, config.convert.queue_length);
        // The id this server's WOPI lock ids carry: peers tell lock holders apart by it.
        let server_id = crate::cluster::server_id();
        AppState {
            config: Arc::new(config),
            spawner,
            admission,
            metrics: Arc::new(Metrics::default()),
            drain: Arc::default(),
            server_id: server_id.into(),
            local_store: None,
            editing: None,
        }
    }

    pub fn with_editing(mut self, registry: Arc<crate::editing::Registry>) -> AppState {
        self.editing = Some(registry);
        self
    }

    pub fn with_local_store(mut self, store: Arc<crate::local_store::LocalStore>) -> AppState {
        self.local_store = Some(store);
        self
    }
}
