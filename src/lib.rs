//! dyad turns news text into CAMEO dyadic event data: who did what to whom, when.
//!
//! The library reads the actor, agent, verb, discard and issue dictionaries of TABARI
//! and PETRARCH-1 ([`dict`]), and codes raw English sentences with a sparse parser
//! ([`coder`]) into events.

#![deny(unsafe_code)]

pub mod aggregate;
pub mod cameo;
pub mod coder;
pub mod date;
pub mod dict;
pub mod io;
pub mod pipeline;
mod prefetch;
pub mod text;
pub mod validate;

pub use coder::{Coded, Coder, Event, Options, Status};
pub use date::Date;
pub use dict::Dictionaries;
