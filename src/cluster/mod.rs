//! Failures grouped by normalised error signature, so one broken endpoint reads as one line
//! across the tests it breaks, with what is new and what was resolved since last time.

mod group;
mod lexemes;
mod signature;

pub use group::{cluster, key, test_key};
pub use signature::{MAX_LEN, signature};
