//! Input readers and output writers.

mod flat_json;
pub mod input;
pub mod output;
#[cfg(feature = "parquet")]
mod parquet;
