//! Rust client generation: spec → codegen model → minijinja templates → formatted code.
