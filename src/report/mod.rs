//! Reporters: the iteration as Markdown and JSON, the loop's index and trend chart, all written
//! atomically under `reports/<loop>/`.

mod actions;
mod causes;
mod changes;
pub mod chart;
mod deployed;
mod environment;
mod failures;
pub mod files;
pub mod html;
mod ids;
pub mod index;
pub mod json;
pub mod markdown;
mod probes;
mod probes_ws;
pub mod reread;
mod steps;
mod steps_json;
pub mod text;

pub use actions::next_actions;
pub use files::{ReportPaths, write_iteration};
