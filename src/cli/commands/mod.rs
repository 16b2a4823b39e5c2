//! One module per command, each a `run` taking only its own flags.

pub mod audit;
pub mod controls;
pub mod counts;
pub mod cycle;
pub mod evidence;
pub mod history;
pub mod init;
pub mod sql;
pub mod sweep;
