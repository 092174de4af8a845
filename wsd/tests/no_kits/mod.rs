//! A kit spawner with no kits to give, for tests of routes that never open a document.

use oxool_wsd::kit::{BoxFuture, KitHandle, KitSpawner, SpawnError};

pub struct NoKits;

impl KitSpawner for NoKits {
    fn spawn_kit(&self) -> BoxFuture<'_, Result<KitHandle, SpawnError>> {
        Box::pin(async { Err(SpawnError::Unreachable("no forkit in this test".into())) })
    }
    fn kill_kit(&self, _pid: u32) -> BoxFuture<'_, Result<(), SpawnError>> {
        Box::pin(async { Ok(()) })
    }
}
