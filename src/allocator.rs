//! The allocator of the `specsmith` binary and its settings. Compiled into the binary and into
//! the benches that time it (`#[path]`), never into the library: a library does not choose its
//! users' allocator.
//!
//! **Why mimalloc.** specsmith allocates many small values (JSON trees, syntax trees, strings);
//! glibc's allocator takes about a fifth more CPU on the Kommo load (2026-11-30, BENCHMARKS.md).
//!
//! **Why these settings.** mimalloc's defaults keep freed memory resident: its arenas are
//! committed eagerly on Linux, and freed pages are returned to the system only a second after
//! they fall empty. specsmith's heap comes in waves (the typed shape check of a spec, 21 MB for
//! GitHub's, freed before its tree is built; capture batches freed after checking), so by
//! default its resident set was about twice its heap: 66 MB on the Kommo load and 122 MB on the
//! GitHub one, against issue 13's 40 and 64 MB. Lazy arena commit and immediate purging bring
//! them to 35 and 78 MB (18 and 60 MB with today's batching) for 8 to 11 % more CPU on the Kommo
//! load and 3 to 8 % on GitHub's, a cost that falls with the number of allocations per exchange.
//! A purge delay of 10 ms costs half that CPU, but GitHub's peak then varies from run to run
//! between 61 and 65 MB, over the target; 100 ms keeps 10 MB of GitHub's spec loading resident
//! (numbers in BENCHMARKS.md, "Memory: allocator settings in the binary"). Users do not set
//! `MIMALLOC_*` variables, so the binary sets these defaults itself; a variable still wins.
//!
//! **Why two phases.** The waves are the spec's loading; checking captures is a steady cycle of
//! batches allocated and freed, and returning their pages at once made every batch fault them
//! in again: 6 % of the Kommo run's CPU in page faults and purges, against no gain in peak,
//! which loading sets. So once the specs are loaded (`specs_loaded`, called by the CLI through
//! `Hooks`) the binary returns what loading freed (`mi_collect`) and lets freed pages wait
//! 100 ms: mimalloc v3 reads the delay at each purge (`mi_arena_purge_delay`), so the change
//! takes effect at once. On 2026-11-30 that took the Kommo run's system time from about 0.11 to
//! 0.03 s (CPU 5 % less) and GitHub's from 0.09-0.17 to 0.08-0.11 s, peaks 20 and 60.5-62 MB; a
//! 1 s delay saved no more and held GitHub's peak a further 1 MB up (NOTES-tune.md).
//!
//! **Why a constructor.** mimalloc reads its options once, in its own ELF constructor (priority
//! 101), before Rust's `main` and before the first allocation; `mi_option_set` from `main` comes
//! too late for the arena settings. A function in `.init_array.00100` runs before it (the
//! linker orders `.init_array.N` sections by N). Elsewhere than Linux the defaults stay
//! mimalloc's own. The `allocator` test in `tests/it` reads back what mimalloc started with.

/// The global allocator: mimalloc, with the defaults `set_defaults` gives it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(target_os = "linux")]
/// Option ids of `enum mi_option_e` in the vendored mimalloc v3 header (`mimalloc.h`), which
/// `libmimalloc-sys` exports only for v2. The `allocator` test checks them by name.
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
#[cfg(target_os = "linux")]
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Runs before mimalloc's own constructor (see the module doc).
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00100"]
static SET_DEFAULTS: extern "C" fn() = set_defaults;

#[cfg(target_os = "linux")]
/// Commit arena memory on demand, and return freed pages to the system at once (not after 1 s).
/// Defaults, not settings: `MIMALLOC_ARENA_EAGER_COMMIT` and `MIMALLOC_PURGE_DELAY` still
/// override them.
extern "C" fn set_defaults() {
    // SAFETY: `mi_option_set_default` writes one entry of mimalloc's static option table and
    // allocates nothing; the ids are in range (checked by name in the `allocator` test).
    unsafe {
        libmimalloc_sys::mi_option_set_default(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set_default(PURGE_DELAY, 0);
    }
}

#[cfg(target_os = "linux")]
/// The purge delay while captures are checked, in milliseconds (see the module doc).
const CHECKING_PURGE_DELAY: std::os::raw::c_long = 100;

#[cfg(target_os = "linux")]
extern "C" {
    /// Prints mimalloc's option table to stderr; in the v3 header, not in `libmimalloc-sys`.
    fn mi_options_print();
}

/// Whether the purge delay in force is the one [`specs_loaded`] set, not the user's.
static DELAY_IS_OURS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Before a huge exchange is checked (a 255 MB line): freed pages go back at once again for the
/// rest of the run. Its tape, masked copy and read buffers are freed in blocks of its own size,
/// and the 100 ms delay kept 80 MB of them resident at the peak (a line with a key twice: 603
/// MB against 520 MB); next to such an exchange's parse, purging costs nothing measurable.
pub fn huge_entry() {
    #[cfg(target_os = "linux")]
    if DELAY_IS_OURS.swap(false, std::sync::atomic::Ordering::Relaxed) {
        // SAFETY: as in `specs_loaded`.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    }
}

/// Once the specs are loaded: return what loading freed, then keep freed pages for a while
/// (see the module doc). A purge delay the user set is left alone. With `MIMALLOC_VERBOSE`
/// set, the options are printed again, so the log shows the ones the checks ran with.
pub fn specs_loaded() {
    #[cfg(target_os = "linux")]
    if ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"]
        .iter()
        .all(|v| std::env::var_os(v).is_none())
    {
        // SAFETY: mimalloc's options and its collection may be used from any thread once it
        // has started; `mi_option_set` only writes one entry of its option table, whose id is
        // in range (checked by name in the `allocator` test).
        unsafe {
            libmimalloc_sys::mi_collect(true);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, CHECKING_PURGE_DELAY);
            DELAY_IS_OURS.store(true, std::sync::atomic::Ordering::Relaxed);
            if libmimalloc_sys::mi_option_is_enabled(libmimalloc_sys::mi_option_verbose) {
                mi_options_print();
            }
        }
    }
}
