//! One module per command, each a `run` taking only its own flags.

pub mod audit;
pub mod controls;
pub mod counts;
pub mod cycle;
pub mod data;
pub mod evidence;
pub mod export;
pub mod finding;
pub mod history;
pub mod init;
pub mod keys;
pub mod review_pack;
pub mod spec;
pub mod sql;
pub mod sweep;
