//! Olive jobs crate.
