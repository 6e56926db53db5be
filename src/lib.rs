//! greenloop: drives deploy → test → diff → report → fix loops against staging until green.
#![deny(unsafe_code)]

pub mod cause;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod daemon;
pub mod deadline;
pub mod demo;
pub mod diff;
pub mod integrity;
pub mod junit;
pub mod model;
pub mod notify;
pub mod probe;
pub mod redact;
pub mod regular;
pub mod report;
pub mod runner;
pub mod schedule;
pub mod store;
pub mod verdict;
