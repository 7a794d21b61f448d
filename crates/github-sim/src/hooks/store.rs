//! The organization webhooks the simulator holds and the deliveries it has
//! made, with ids of the size GitHub hands out. Sending lives in `deliver.rs`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::mpsc;

use super::hook::{Delivery, Hook};
use super::outgoing::{self, Outgoing};
use crate::ids;

#[derive(Default)]
struct Table {
    next_hook_id: i64,
    next_delivery_id: i64,
    hooks: Vec<Hook>,
    /// Oldest first.
    deliveries: Vec<Delivery>,
}

pub(crate) struct Hooks {
    table: Mutex<Table>,
    pub(super) client: reqwest::Client,
    /// Per hook, the queue its background sender works through.
    pub(super) queues: Mutex<HashMap<i64, mpsc::UnboundedSender<Outgoing>>>,
}

impl Hooks {
    pub fn new(seed: u64) -> Hooks {
        let mix = ids::splitmix64(seed ^ 0x000b_00c5);
        let table = Table {
            // Ids of the size GitHub hands out today.
            next_hook_id: 500_000_000 + (mix % 10_000_000) as i64,
            next_delivery_id: 12_000_000_000 + ((mix >> 24) % 1_000_000_000) as i64,
            ..Table::default()
        };
        Hooks {
            table: Mutex::new(table),
            client: outgoing::client(),
            queues: Mutex::new(HashMap::new()),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn all(&self) -> Vec<Hook> {
        self.table().hooks.clone()
    }

    pub fn of_org(&self, org: &str) -> Vec<Hook> {
        self.table()
            .hooks
            .iter()
            .filter(|h| h.org.eq_ignore_ascii_case(org))
            .cloned()
            .collect()
    }

    pub fn get(&self, id: i64) -> Option<Hook> {
        self.table().hooks.iter().find(|h| h.id == id).cloned()
    }

    /// Adds the hook unless the organization already has one with the same URL.
    pub fn insert(&self, make: impl FnOnce(i64) -> Hook) -> Result<Hook, Duplicate> {
        let mut table = self.table();
        let hook = make(table.next_hook_id);
        if table.duplicate_of(&hook) {
            return Err(Duplicate);
        }
        table.next_hook_id += 1;
        table.hooks.push(hook.clone());
        Ok(hook)
    }

    pub fn update(&self, hook: Hook) -> Result<Hook, Duplicate> {
        let mut table = self.table();
        if table.duplicate_of(&hook) {
            return Err(Duplicate);
        }
        if let Some(slot) = table.hooks.iter_mut().find(|h| h.id == hook.id) {
            *slot = hook.clone();
        }
        Ok(hook)
    }

    pub fn remove(&self, id: i64) {
        let mut table = self.table();
        table.hooks.retain(|h| h.id != id);
        table.deliveries.retain(|d| d.hook_id != id);
        // Dropping the sender ends that hook's background sender.
        self.queues
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// A hook's deliveries, newest first.
    pub fn deliveries(&self, hook_id: i64) -> Vec<Delivery> {
        self.table()
            .deliveries
            .iter()
            .rev()
            .filter(|d| d.hook_id == hook_id)
            .cloned()
            .collect()
    }

    pub fn delivery(&self, hook_id: i64, id: i64) -> Option<Delivery> {
        self.table()
            .deliveries
            .iter()
            .find(|d| d.hook_id == hook_id && d.id == id)
            .cloned()
    }

    pub(super) fn next_delivery_id(&self) -> i64 {
        let mut table = self.table();
        let id = table.next_delivery_id;
        table.next_delivery_id += 1;
        id
    }

    pub(super) fn record(&self, delivery: Delivery) {
        let mut table = self.table();
        // Only a hook that still exists keeps its deliveries.
        if table.hooks.iter().any(|h| h.id == delivery.hook_id) {
            let at = table.deliveries.partition_point(|d| d.id < delivery.id);
            table.deliveries.insert(at, delivery);
        }
    }
}

impl Table {
    fn duplicate_of(&self, hook: &Hook) -> bool {
        self.hooks.iter().any(|h| {
            h.id != hook.id
                && h.org.eq_ignore_ascii_case(&hook.org)
                && h.config.url == hook.config.url
        })
    }
}

/// Another hook of the organization already posts to this URL.
#[derive(Debug)]
pub(crate) struct Duplicate;
