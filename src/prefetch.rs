//! A hint to the processor to fetch memory that will be read soon.

/// Asks for the cache line at `p` to be brought into the processor's caches. It reads
/// nothing and cannot fault, whatever `p` is: it only lets the fetch of one word's data
/// overlap with work on the next ones.
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch has no effect on memory or program state and does not fault
    // on any address (SSE, which every x86-64 processor has).
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
