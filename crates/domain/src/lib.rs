//! PolyAgent's domain types, at the bottom of the crate graph.
//!
//! Invariants kept here:
//! - nothing in this crate performs IO or reads the clock; callers pass time in;
//! - money, prices and sizes are exact decimals, never floats;
//! - secret material lives only in the types of [`secret`], which cannot be serialized,
//!   print as `[redacted]` and are wiped from memory when dropped.

pub mod money;
pub mod secret;
pub mod text;
pub mod trading;
