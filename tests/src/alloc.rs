//! A global allocator that counts, per thread, the bytes live and the
//! allocations made, so that memory bounds are checked by exact counts, not
//! by timing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting per thread. Install it in a test binary
/// with `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
pub struct CountingAlloc;

fn on_alloc(size: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + size.cast_signed();
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
    let _ = COUNT.try_with(|count| count.set(count.get() + 1));
}

fn on_free(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get() - size.cast_signed()));
}

// SAFETY: every call is forwarded unchanged to `System`; the counting only
// touches const-initialised thread-locals, which never allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_free(layout.size());
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        on_free(layout.size());
        on_alloc(new_size);
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Bytes live on this thread right now, counted since it started (frees of
/// memory allocated on other threads make it go down).
pub fn live_bytes() -> isize {
    LIVE.with(Cell::get)
}

/// Starts tracking the peak afresh from the bytes live now.
pub fn reset_peak() {
    let now = live_bytes();
    PEAK.with(|peak| peak.set(now));
}

/// The most bytes live on this thread since the last [`reset_peak`].
pub fn peak_bytes() -> isize {
    PEAK.with(Cell::get)
}

/// What one closure did to this thread's heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Bytes still live when the closure returned (what its result holds).
    pub retained: isize,
    /// The most bytes live at once while it ran, above the start.
    pub peak: isize,
    /// Allocations (and reallocations) made.
    pub allocations: usize,
}

/// Runs `f` on this thread and reports its heap use; the value `f` returns
/// is kept alive until after the count, so `retained` is what it owns.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let count = COUNT.with(Cell::get);
    let value = f();
    let usage = Usage {
        retained: LIVE.with(Cell::get) - start,
        peak: PEAK.with(Cell::get) - start,
        allocations: COUNT.with(Cell::get) - count,
    };
    (value, usage)
}
