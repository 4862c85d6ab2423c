//! lint tests
