//! Drift validation: capture → exchanges → match → compiled schema → findings.
