//! Filled by `specsmith generate`.
