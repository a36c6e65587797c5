//! The venue against a scripted exchange on 127.0.0.1: matching-engine restarts and
//! restricted modes (PROTOCOL.md §13.4), per-signer rate limits (§13.3) and the refusals
//! of §13.7/§13.8, each answered exactly as production answers.

mod pauses;
mod rate_limits;
mod refusals;
mod stub;
#[path = "../stub_support/mod.rs"]
mod stub_support;
