//! Input readers and output writers.

pub mod input;
pub mod output;
#[cfg(feature = "parquet")]
mod parquet;
