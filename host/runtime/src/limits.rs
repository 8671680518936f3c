//! Bounds on what a guest can take: the total of its linear memories and the size of its tables.

/// Most elements a guest table may grow to (a large Python component has tens of thousands of functions).
pub const MAX_TABLE_ELEMENTS: usize = 1_000_000;

/// A [`wasmtime::ResourceLimiter`] capping the SUM of all linear memories of a store (wasmtime's own
/// `StoreLimits` caps each memory separately, and a component has several).
#[derive(Debug)]
pub struct MemoryCap {
    /// The cap, in bytes.
    cap: usize,
    /// Bytes currently held by all memories of the store.
    total: usize,
    /// Set when a growth was refused, so a trap that follows is reported as out of memory.
    pub refused: bool,
}

impl MemoryCap {
    /// A cap of `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            total: 0,
            refused: false,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.total.saturating_sub(current).saturating_add(desired);
        if total > self.cap || maximum.is_some_and(|max| desired > max) {
            // Refused, not trapped: `memory.grow` returns -1 and the guest may recover (Python raises
            // MemoryError); a Rust guest aborts, and the trap is then reported as out of memory.
            self.refused = true;
            return Ok(false);
        }
        self.total = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|max| desired <= max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn the_cap_is_on_the_sum_of_memories() {
        let mut cap = MemoryCap::new(100);
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
        assert!(
            cap.memory_growing(60, 50, None).unwrap_or(false),
            "room freed by a smaller size counts"
        );
    }
}
