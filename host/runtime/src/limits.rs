//! Bounds on what guests can take: the memory budget of the whole execution environment, shared by every
//! store (N concurrent invocations under Managed Instances must not each take the function's memory), which
//! the host memory of guest tables is counted against too, and the size of each guest table.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most elements a guest table may grow to (a large Python component has tens of thousands of functions).
pub const MAX_TABLE_ELEMENTS: usize = 1_000_000;
/// Host bytes counted for each table element a guest grows (wasmtime keeps a pointer an element): tables live
/// outside linear memory, so without this a component of many tables could hold gigabytes the budget never saw.
pub const TABLE_ELEMENT_BYTES: usize = 8;

/// The bytes of linear memory every store of the environment may hold together. Shared by the stores' limiters.
#[derive(Debug)]
pub struct MemoryBudget {
    /// The budget, in bytes.
    cap: usize,
    /// Bytes held now by all memories of all live stores.
    used: AtomicUsize,
}

impl MemoryBudget {
    /// A budget of `cap` bytes.
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            cap,
            used: AtomicUsize::new(0),
        })
    }

    /// The budget, in bytes.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Bytes held now by all stores.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Takes `bytes` more if they fit.
    fn take(&self, bytes: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.cap)
            })
            .is_ok()
    }

    /// Gives `bytes` back.
    fn give_back(&self, bytes: usize) {
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                Some(used.saturating_sub(bytes))
            });
    }
}

/// One store's [`wasmtime::ResourceLimiter`]: every growth of any of its linear memories is taken from the
/// environment's [`MemoryBudget`] (wasmtime's own `StoreLimits` caps each memory separately, and a component has
/// several), and given back when the store is dropped.
#[derive(Debug)]
pub struct MemoryCap {
    /// The environment's budget.
    budget: Arc<MemoryBudget>,
    /// Bytes this store's memories hold.
    held: usize,
    /// Set when a growth was refused, so a trap that follows is reported as out of memory; cleared at the start
    /// of each invocation.
    pub refused: bool,
}

impl MemoryCap {
    /// A limiter drawing on `budget`.
    pub fn new(budget: Arc<MemoryBudget>) -> Self {
        Self {
            budget,
            held: 0,
            refused: false,
        }
    }

    /// The budget this store draws on, in bytes.
    pub fn cap(&self) -> usize {
        self.budget.cap()
    }

    /// Takes `bytes` of the budget for this store, or marks the refusal (a trap that follows is out of memory).
    fn charge(&mut self, bytes: usize) -> bool {
        if !self.budget.take(bytes) {
            self.refused = true;
            return false;
        }
        self.held = self.held.saturating_add(bytes);
        true
    }
}

impl Drop for MemoryCap {
    fn drop(&mut self) {
        self.budget.give_back(self.held);
    }
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Refused, not trapped: `memory.grow` returns -1 and the guest may recover (Python raises MemoryError);
        // a Rust guest aborts, and the trap is then reported as out of memory.
        if maximum.is_some_and(|max| desired > max) {
            self.refused = true;
            return Ok(false);
        }
        Ok(self.charge(desired.saturating_sub(current)))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS || maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        Ok(self.charge(
            desired
                .saturating_sub(current)
                .saturating_mul(TABLE_ELEMENT_BYTES),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn tables_count_against_the_same_budget_and_each_is_bounded() {
        let budget = MemoryBudget::new(10 * TABLE_ELEMENT_BYTES);
        let mut cap = MemoryCap::new(budget.clone());
        assert!(cap.table_growing(0, 6, None).unwrap_or(false));
        assert!(
            !cap.table_growing(0, 6, None).unwrap_or(true),
            "a second table past the budget"
        );
        assert!(cap.table_growing(0, 4, None).unwrap_or(false), "exactly up to it");
        assert!(
            !cap.memory_growing(0, 1, None).unwrap_or(true),
            "memory shares it"
        );
        drop(cap);
        let mut fresh = MemoryCap::new(MemoryBudget::new(usize::MAX));
        assert!(
            !fresh
                .table_growing(0, MAX_TABLE_ELEMENTS + 1, None)
                .unwrap_or(true)
        );
        assert!(
            MemoryCap::new(budget).table_growing(0, 10, None).unwrap_or(false),
            "given back when the store goes"
        );
    }

    #[test]
    fn the_cap_is_on_the_sum_of_memories() {
        let mut cap = MemoryCap::new(MemoryBudget::new(100));
        assert!(cap.memory_growing(0, 60, None).unwrap_or(false));
        assert!(
            !cap.memory_growing(0, 60, None).unwrap_or(true),
            "a second memory past the total"
        );
        assert!(cap.refused);
        assert!(
            cap.memory_growing(0, 40, None).unwrap_or(false),
            "exactly up to the cap"
        );
    }

    #[test]
    fn stores_share_one_budget_and_give_it_back() {
        let budget = MemoryBudget::new(100);
        let mut first = MemoryCap::new(Arc::clone(&budget));
        let mut second = MemoryCap::new(Arc::clone(&budget));
        assert!(first.memory_growing(0, 70, None).unwrap_or(false));
        assert!(
            !second.memory_growing(0, 70, None).unwrap_or(true),
            "two stores cannot each take the whole budget"
        );
        assert!(second.memory_growing(0, 30, None).unwrap_or(false));
        drop(first);
        assert_eq!(budget.used(), 30, "a dropped store gives its memory back");
        assert!(second.memory_growing(30, 100, None).unwrap_or(false));
    }
}
