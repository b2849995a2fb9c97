//! The run-time: the conversation engine and what it needs. Pure: no I/O here; the
//! channels (terminal, tests, servers) run the effects the engine asks for.

pub mod answers;
pub mod bundle;
pub mod engine;
pub mod matcher;
pub mod notify;
pub mod render;
pub mod state;
pub mod testing;
pub mod turn;
