//! Channels: what WhatsApp (Meta Cloud API) and Twilio send and expect, as pure functions:
//! webhook bodies in, signatures checked, replies out. The server (issue 4) does the I/O.

pub mod meta;
pub mod twilio;
