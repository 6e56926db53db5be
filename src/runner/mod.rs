//! Running units of a battery.
