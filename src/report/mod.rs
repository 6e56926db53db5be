//! Reporters: the iteration as Markdown and JSON, written atomically under `reports/<loop>/`.

mod actions;
pub mod files;
pub mod json;
pub mod markdown;
pub mod text;

pub use actions::next_actions;
pub use files::{ReportPaths, write_iteration};
