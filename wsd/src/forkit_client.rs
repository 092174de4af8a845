//! Placeholder until the lead's D-Bus client lands: it only lets wsd compile.

use std::sync::Arc;

use crate::config::Config;
use crate::kits::{BoxFuture, KitHandle, KitSpawner, SpawnError};

pub struct ForkitClient {
    _private: (),
}

impl ForkitClient {
    pub async fn start(_config: &Config) -> anyhow::Result<Arc<ForkitClient>> {
        anyhow::bail!("the forkit client is not implemented yet")
    }
}

impl KitSpawner for ForkitClient {
    fn spawn_kit(&self) -> BoxFuture<'_, Result<KitHandle, SpawnError>> {
        Box::pin(async { Err(SpawnError::Unreachable("not implemented".into())) })
    }

    fn kill_kit(&self, _pid: u32) -> BoxFuture<'_, Result<(), SpawnError>> {
        Box::pin(async { Err(SpawnError::Unreachable("not implemented".into())) })
    }
}
