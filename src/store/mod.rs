//! The history store: embedded SQLite (`state/greenloop.db`) holding loops, iterations and
//! every test result, so loops remember across runs and crashes.
//!
//! `db` opens the file, `schema` migrates it, `loops` applies the loop rules, `write` records
//! finished iterations, `read` answers the diff and history questions, `prune` applies
//! retention, `codec` converts model values to and from SQLite text.

mod codec;
mod db;
mod error;
mod loops;
mod missing;
mod prune;
mod read;
mod schema;
mod write;

pub use codec::DETAIL_CAP_BYTES;
pub use db::Store;
pub use error::StoreError;
pub use loops::{CLOSED_FOR_NEW_LOOP, Interrupted};
pub use missing::StoredIteration;
pub use schema::current_version as schema_version;
pub use write::{CLOSED_EXHAUSTED, CLOSED_GREEN};
